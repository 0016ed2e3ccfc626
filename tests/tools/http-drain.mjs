// SIGTERM while a request is in flight: the request must still be answered
// 200, a new connection must be refused, and the caller then checks that the
// server exits 0.
// usage: node http-drain.mjs PORT PID
import net from 'node:net';

const [port, pid] = process.argv.slice(2).map(Number);
const body = '{"customer_id":1,"country_code":"Testland","segment_name":"frequent_segment","total_orders":3}';
const head = `POST /voucher HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const sock = net.connect(port, '127.0.0.1');
let text = '';
sock.on('data', (d) => { text += d.toString(); });
await new Promise((r) => sock.on('connect', r));
sock.write(head + body.slice(0, 20));
await sleep(300);
process.kill(pid, 'SIGTERM');
await sleep(500);
const refused = await new Promise((res) => {
	const s = net.connect(port, '127.0.0.1');
	s.on('connect', () => { s.destroy(); res(false); });
	s.on('error', () => res(true));
});
sock.write(body.slice(20));
for (let i = 0; i < 50 && !text.includes('"fallback"'); i++) await sleep(100);
sock.destroy();
const okAnswer = /^HTTP\/1\.1 200/.test(text) && text.includes('"voucher_amount":100');
console.log(`in-flight answer: ${okAnswer ? 'ok' : JSON.stringify(text)}; new connection refused: ${refused}`);
process.exit(okAnswer && refused ? 0 : 1);
