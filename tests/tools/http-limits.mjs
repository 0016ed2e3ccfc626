// Connection limits of `vouch serve` (started with --max-connections 6
// --max-per-ip 3): the connections past the per-address limit get 503
// too_many_connections with Connection: close, the first ones keep working,
// and once connections close, new ones are served again.
// usage: node http-limits.mjs PORT
import net from 'node:net';

const port = Number(process.argv[2]);
const body = '{"customer_id":1,"country_code":"Testland","segment_name":"frequent_segment","total_orders":3}';
const req = `POST /voucher HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
let failures = 0;
const check = (name, cond, detail) => {
	console.log(`${cond ? 'ok  ' : 'FAIL'} ${name}${cond ? '' : ': ' + detail}`);
	if (!cond) failures++;
};
const open = () => new Promise((res, rej) => {
	const s = net.connect(port, '127.0.0.1', () => res(s));
	s.on('error', rej);
});
// Sends one request on s and resolves with the whole first answer.
const ask = (s) => new Promise((res) => {
	let text = '';
	const onData = (d) => {
		text += d.toString();
		const end = text.indexOf('\r\n\r\n');
		const m = /content-length: *(\d+)/i.exec(text);
		if (end >= 0 && m && text.length >= end + 4 + Number(m[1])) {
			s.off('data', onData);
			res(text);
		}
	};
	s.on('data', onData);
	s.on('close', () => res(text));
	s.write(req);
});

const held = [];
for (let i = 0; i < 3; i++) held.push(await open());
for (const s of held) {
	const a = await ask(s);
	check('a connection within the limit is served', a.startsWith('HTTP/1.1 200'), a.slice(0, 80));
}
const extra = await open();
const a = await ask(extra);
check('the 4th connection from one address gets 503', a.startsWith('HTTP/1.1 503'), a.slice(0, 80));
check('... with the error code', a.includes('"too_many_connections"'), a.slice(-120));
check('... and Connection: close', /\r\nConnection: close\r\n/i.test(a), a.slice(0, 300));
const again = await ask(held[0]);
check('the first connections keep working', again.startsWith('HTTP/1.1 200'), again.slice(0, 80));
extra.destroy();
held[1].destroy();
await new Promise((r) => setTimeout(r, 300));
const fresh = await open();
const b = await ask(fresh);
check('after two close, a new connection is served', b.startsWith('HTTP/1.1 200'), b.slice(0, 80));
fresh.destroy();
for (const s of held) s.destroy();
process.exit(failures ? 1 : 0);
