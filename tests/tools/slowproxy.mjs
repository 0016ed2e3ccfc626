// A TCP proxy on 127.0.0.1 that forwards to a local port and lets the
// answers through at a fixed rate, for the slow-link tests (t0730):
//   node slowproxy.mjs LISTEN_PORT TARGET_PORT BYTES_PER_SECOND
// Requests go through at once; what the target sends back trickles out in
// small slices ten times a second (a rate of 0: never).  Prints "listening"
// once it accepts.
import net from "node:net";

const [listenPort, targetPort, rate] = process.argv.slice(2).map(Number);
const slice = rate > 0 ? Math.max(1, Math.floor(rate / 10)) : 0;

const server = net.createServer((client) => {
	const target = net.connect(targetPort, "127.0.0.1");
	const pending = [];
	let queued = 0;
	const timer = setInterval(() => {
		let budget = slice;
		while (budget > 0 && pending.length) {
			const head = pending[0];
			const n = Math.min(budget, head.length);
			client.write(head.subarray(0, n));
			budget -= n;
			queued -= n;
			if (n === head.length) pending.shift();
			else pending[0] = head.subarray(n);
		}
		// Hold the target back while much is waiting, as a slow link would.
		if (queued < 65536) target.resume();
	}, 100);
	target.on("data", (d) => {
		pending.push(d);
		queued += d.length;
		if (queued >= 65536) target.pause();
	});
	client.on("data", (d) => target.write(d));
	const close = () => {
		clearInterval(timer);
		client.destroy();
		target.destroy();
	};
	client.on("close", close);
	client.on("error", close);
	target.on("close", close);
	target.on("error", close);
});
server.listen(listenPort, "127.0.0.1", () => console.log("listening"));
