// Malformed and hostile HTTP against a running `vouch serve` on 127.0.0.1:PORT
// (started with --timeout 2 --header-timeout 2 --body-timeout 2), over raw sockets so that nothing is tidied up
// by an HTTP client library.  Each case checks the server's answer, and after
// every case a valid request must still be answered 200.
// usage: node http-abuse.mjs PORT
import net from 'node:net';

const port = Number(process.argv[2]);
const valid = '{"customer_id":1,"country_code":"Testland","segment_name":"frequent_segment","total_orders":3}';
let failures = 0, passed = 0;

function post(body, extra = '') {
	return `POST /voucher HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n${extra}` +
		`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

// The number of complete responses at the start of text (heads with their
// Content-Length bodies; 1xx answers have none).
function complete(text) {
	let n = 0, at = 0;
	for (;;) {
		const end = text.indexOf('\r\n\r\n', at);
		if (end < 0) return n;
		const head = text.slice(at, end);
		const m = /\r\ncontent-length: *(\d+)/i.exec(head);
		const len = / 1\d\d /.test(head.split('\r\n')[0]) ? 0 : m ? Number(m[1]) : 0;
		if (text.length < end + 4 + len) return n;
		at = end + 4 + len;
		n++;
	}
}

// Sends the parts (strings or Buffers; numbers are pauses in ms) and collects
// what comes back until the server closes, `want` complete responses have
// arrived, or waitMs passes without data.
function exchange(parts, waitMs = 1500, want = 0) {
	return new Promise((resolve) => {
		const sock = net.connect(port, '127.0.0.1');
		const chunks = [];
		const t0 = Date.now();
		let closed = false, timer, firstMs = -1;
		const done = () => {
			clearTimeout(timer);
			sock.destroy();
			resolve({ text: Buffer.concat(chunks).toString('latin1'), closed, firstMs });
		};
		const arm = () => { clearTimeout(timer); timer = setTimeout(done, waitMs); };
		sock.on('data', (d) => {
			if (firstMs < 0) firstMs = Date.now() - t0;
			chunks.push(d);
			if (want && complete(Buffer.concat(chunks).toString('latin1')) >= want) done();
			else arm();
		});
		sock.on('end', () => { closed = true; done(); });
		sock.on('close', () => { closed = true; done(); });
		sock.on('error', () => { closed = true; done(); });
		sock.on('connect', async () => {
			for (const p of parts) {
				if (typeof p === 'number') await new Promise((r) => setTimeout(r, p));
				else if (!sock.destroyed) sock.write(p);
			}
			arm();
		});
	});
}

function statuses(text) {
	return [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
}

function check(name, cond, detail) {
	if (cond) passed++;
	else { failures++; console.error(`FAIL ${name}: ${detail}`); }
}

async function stillServes(after) {
	const r = await exchange([post(valid)], 2000, 1);
	check(`valid request after '${after}'`, statuses(r.text)[0] === 200, JSON.stringify(r.text.slice(0, 200)));
}

async function expectStatus(name, parts, want, waitMs) {
	const r = await exchange(parts, waitMs, 1);
	const got = statuses(r.text);
	const ok = Array.isArray(want) ? want.includes(got[0]) : got[0] === want;
	check(name, ok, `got ${JSON.stringify(got)} (${JSON.stringify(r.text.slice(0, 160))}), want ${want}`);
	await stillServes(name);
	return r;
}

const cases = [
	['keep-alive and pipelining: three requests in one write', async () => {
		const r = await exchange([post(valid) + post('{') + post(valid)], 1500, 3);
		check('pipelined answers in order', JSON.stringify(statuses(r.text)) === '[200,400,200]', JSON.stringify(statuses(r.text)));
	}],
	['keep-alive: sequential requests on one connection', async () => {
		const r = await exchange([post(valid), 200, post(valid), 200, post(valid)], 1500, 3);
		check('three answers', statuses(r.text).length === 3 && !r.closed, JSON.stringify(statuses(r.text)));
	}],
	['two different Content-Length headers', () => expectStatus('conflicting Content-Length', [
		`POST /voucher HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: ${valid.length}\r\n\r\n${valid}`], 400)],
	['Content-Length and chunked', () => expectStatus('Content-Length with chunked', [
		`POST /voucher HTTP/1.1\r\nHost: t\r\nContent-Length: ${valid.length}\r\nTransfer-Encoding: chunked\r\n\r\n${valid.length.toString(16)}\r\n${valid}\r\n0\r\n\r\n`], 400)],
	['negative Content-Length', () => expectStatus('negative Content-Length', [
		'POST /voucher HTTP/1.1\r\nHost: t\r\nContent-Length: -5\r\n\r\nhello'], [400, 413])],
	['huge Content-Length', () => expectStatus('huge Content-Length', [
		'POST /voucher HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n{}'], [400, 413])],
	['Content-Length over the limit', () => expectStatus('Content-Length 10 MB', [
		'POST /voucher HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{"a":'], 413)],
	['bad chunked encoding', () => expectStatus('bad chunk size', [
		'POST /voucher HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'], 400)],
	['valid chunked body', () => expectStatus('chunked body', [
		`POST /voucher HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n${valid.slice(0, 5)}\r\n${(valid.length - 5).toString(16)}\r\n${valid.slice(5)}\r\n0\r\n\r\n`], 200)],
	['garbage request line', async () => {
		const r = await exchange(['HELLO THERE\r\n\r\n']);
		const s = statuses(r.text);
		check('garbage: 400 or closed', s[0] === 400 || (s.length === 0 && r.closed), JSON.stringify(r.text.slice(0, 100)));
		await stillServes('garbage');
	}],
	['binary garbage', async () => {
		const buf = Buffer.alloc(4096);
		for (let i = 0; i < buf.length; i++) buf[i] = (i * 7919 + 13) & 0xff;
		const r = await exchange([buf]);
		check('binary garbage: 400 or closed', statuses(r.text)[0] === 400 || r.closed, JSON.stringify(r.text.slice(0, 100)));
		await stillServes('binary garbage');
	}],
	['huge header', () => expectStatus('100 KB header', [
		`GET /health HTTP/1.1\r\nHost: t\r\nX-Big: ${'a'.repeat(100000)}\r\n\r\n`], 431)],
	['many headers', () => expectStatus('2000 headers', [
		`GET /health HTTP/1.1\r\nHost: t\r\n${'X-A: b\r\n'.repeat(2000)}\r\n`], 431)],
	['long URL', async () => {
		const r = await exchange([`GET /${'a'.repeat(20000)} HTTP/1.1\r\nHost: t\r\n\r\n`]);
		check('long URL: 414 or 431', [414, 431].includes(statuses(r.text)[0]), JSON.stringify(r.text.slice(0, 100)));
		await stillServes('long URL');
	}],
	['deeply nested JSON', () => expectStatus('nested 30000 deep', [post('['.repeat(30000))], 400)],
	['deeply nested object', () => expectStatus('nested objects', [post('{"a":'.repeat(10000) + '1' + '}'.repeat(10000))], 400)],
	['NUL bytes in the body', () => expectStatus('NUL in JSON', [post('{"customer_id":1\u0000}')], 400)],
	['raw control byte in a string', () => expectStatus('control byte in JSON string', [post('{"customer_id":"a\u0001b"}')], 400)],
	['Expect: 100-continue', async () => {
		const head = `POST /voucher HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${valid.length}\r\n\r\n`;
		const r = await exchange([head, 300, valid], 1500, 2);
		check('100 then 200', JSON.stringify(statuses(r.text)) === '[100,200]', JSON.stringify(statuses(r.text)));
	}],
	['HTTP/1.0 without Host', () => expectStatus('HTTP/1.0', [
		`POST /voucher HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: ${valid.length}\r\n\r\n${valid}`], 200)],
	['truncated body is dropped after the timeout', async () => {
		const t0 = Date.now();
		const r = await exchange([`POST /voucher HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{"customer_id":`], 8000);
		const secs = (Date.now() - t0) / 1000;
		check('half-sent request closed without an answer', r.closed && statuses(r.text).length === 0 && secs < 7,
			`closed=${r.closed} after ${secs}s, ${JSON.stringify(r.text.slice(0, 100))}`);
		await stillServes('truncated body');
	}],
	['idle connection is closed after the timeout', async () => {
		const t0 = Date.now();
		const r = await exchange([], 8000);
		const secs = (Date.now() - t0) / 1000;
		check('idle connection closed', r.closed && secs < 7, `closed=${r.closed} after ${secs}s`);
	}],
	['slow header, one byte at a time', async () => {
		const req = post(valid);
		const parts = [];
		for (const ch of req.slice(0, 60)) parts.push(ch, 20);
		parts.push(req.slice(60));
		const r = await exchange(parts, 1500, 1);
		check('slow but steady client answered', statuses(r.text)[0] === 200, JSON.stringify(r.text.slice(0, 100)));
	}],
	['hundreds of idle connections', async () => {
		const socks = [];
		for (let i = 0; i < 300; i++) {
			socks.push(await new Promise((res) => {
				const s = net.connect(port, '127.0.0.1', () => res(s));
				s.on('error', () => res(s));
			}));
		}
		const r = await exchange([post(valid)], 1000, 1);
		check('answer while 300 connections idle', statuses(r.text)[0] === 200 && r.firstMs >= 0 && r.firstMs < 1000,
			`${JSON.stringify(statuses(r.text))} after ${r.firstMs} ms`);
		for (const s of socks) s.destroy();
	}],
];

for (const [name, run] of cases) {
	const before = failures;
	await run();
	console.log(`${failures === before ? 'ok  ' : 'FAIL'} ${name}`);
}
console.log(`${passed} checks passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
