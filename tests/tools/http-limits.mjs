// Connection limits of `vouch serve`.
//
// per-ip (the server started with --max-per-ip 3): the connections past the
// per-address limit get 503 too_many_connections with Connection: close, the
// first ones keep working, and once connections close, new ones are served
// again.
//
// total (--max-connections 3 --max-per-ip 0 --threads 1): at the limit the
// connection idle longest is closed to make room, so a new client is served;
// when every connection is busy (a body half-sent), a new one gets 503
// too_many_connections with Connection: close, and the busy ones finish.
// usage: node http-limits.mjs PORT per-ip|total
import net from 'node:net';

const port = Number(process.argv[2]);
const mode = process.argv[3] || 'per-ip';
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

const closed = (s) => new Promise((res) => {
	if (s.destroyed || s.readyState === 'closed') return res(true);
	const t = setTimeout(() => res(false), 3000);
	s.on('close', () => { clearTimeout(t); res(true); });
});

if (mode === 'per-ip') {
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
} else {
	// Three idle keep-alive connections fill the limit; a fourth is served
	// and the one idle longest (the first) is closed for it.
	const idle = [];
	for (let i = 0; i < 3; i++) {
		idle.push(await open());
		const a = await ask(idle[i]);
		check('a connection within the limit is served', a.startsWith('HTTP/1.1 200'), a.slice(0, 80));
		await new Promise((r) => setTimeout(r, 50));
	}
	const fourth = await open();
	const a = await ask(fourth);
	check('at the limit, a new connection is served', a.startsWith('HTTP/1.1 200'), a.slice(0, 80));
	check('... and the connection idle longest is closed for it', await closed(idle[0]), 'still open');
	const again = await ask(idle[2]);
	check('the other idle connections keep working', again.startsWith('HTTP/1.1 200'), again.slice(0, 80));
	for (const s of [...idle, fourth]) s.destroy();
	await new Promise((r) => setTimeout(r, 300));
	// Three connections in the middle of their bodies are busy: a fourth
	// gets 503 and the three are answered when their bodies end.
	const head = req.slice(0, req.length - 10);
	const busy = [];
	for (let i = 0; i < 3; i++) {
		busy.push(await open());
		busy[i].write(head);
	}
	await new Promise((r) => setTimeout(r, 200));
	const extra = await open();
	const b = await ask(extra);
	check('with every connection busy, a new one gets 503', b.startsWith('HTTP/1.1 503'), b.slice(0, 80));
	check('... with the error code', b.includes('"too_many_connections"'), b.slice(-120));
	check('... and Connection: close', /\r\nConnection: close\r\n/i.test(b), b.slice(0, 300));
	for (const s of busy) {
		const done = new Promise((res) => {
			let text = '';
			s.on('data', (d) => { text += d.toString(); if (text.includes('"fallback"')) res(text); });
			s.on('close', () => res(text));
		});
		s.write(req.slice(req.length - 10));
		const t = await done;
		check('a busy connection is answered when its body ends', t.startsWith('HTTP/1.1 200'), t.slice(0, 80));
	}
	for (const s of [...busy, extra]) s.destroy();
}
process.exit(failures ? 1 : 0);
