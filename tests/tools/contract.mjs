// The API against its OpenAPI document, as schemathesis would check it: the
// document is valid (@apidevtools/swagger-parser, and every schema compiles
// in ajv's strict mode), its examples and the challenge's example request
// validate, and every exchange is one the document allows:
//   - its status is documented for its operation (a path the document does
//     not have may only be 404 not_found, or 307 to a documented path when it
//     is a route with a trailing slash);
//   - the answer's media type is one the document gives for that status, and
//     its body validates against that schema;
//   - a request the server took (200, or a 404 about the data: an unknown
//     country, no bucket) has a body that validates against the operation's
//     request schema, and in a batch so has every element answered 200: the
//     schema is never stricter than the server.
//
// usage: node contract.mjs --openapi FILE --exchanges DIR
//          (the requests and answers serve.sh's req() recorded in a test)
//        node contract.mjs --openapi FILE --base URL
//          (sends a broad set made from the document: its examples, each
//          member removed and replaced by values of every JSON type and edge,
//          bodies that are not objects, every method on every path, trailing
//          slashes, other media types) and checks the answers the same way
// Prints a closing 'contract: N passed, N failed'; exits 1 on any failure.
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv from 'ajv';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const doc = JSON.parse(fs.readFileSync(args.openapi, 'utf8'));

let checks = 0;
let failures = 0;
let requestBodies = 0;
function check(cond, what) {
	checks++;
	if (!cond) {
		failures++;
		if (failures <= 50) console.error('FAIL: ' + what);
	}
}

// ---- the document -------------------------------------------------------

try {
	await SwaggerParser.validate(structuredClone(doc));
	check(true, '');
} catch (e) {
	check(false, `swagger-parser: ${e.message}`);
}
const ajv = new Ajv({ strict: true, allErrors: true });
ajv.addVocabulary(['example']);
const defs = JSON.parse(JSON.stringify(doc.components.schemas).replaceAll('#/components/schemas/', 'vouch#/$defs/'));
ajv.addSchema({ $id: 'vouch', $defs: defs });
const compiled = new Map();
function validator(schema) {
	const key = JSON.stringify(schema);
	if (!compiled.has(key)) {
		const s = JSON.parse(key.replaceAll('#/components/schemas/', 'vouch#/$defs/'));
		compiled.set(key, ajv.compile(s));
	}
	return compiled.get(key);
}
for (const name of Object.keys(defs)) validator({ $ref: `#/components/schemas/${name}` });
const resolve = (o) => {
	for (let i = 0; o && o.$ref && i < 10; i++) o = o.$ref.replace(/^#\//, '').split('/').reduce((a, k) => a && a[k], doc);
	return o;
};
const errorsOf = (v) => ajv.errorsText(v.errors, { separator: '; ' }).slice(0, 400);

// The challenge's example request (SPEC section 5) and every example in the document.
const challenge = { customer_id: 123, country_code: 'Peru', last_order_ts: '2018-05-03 00:00:00',
	first_order_ts: '2017-05-03 00:00:00', total_orders: 15, segment_name: 'recency_segment' };
const requestSchema = validator({ $ref: '#/components/schemas/VoucherRequest' });
check(requestSchema(challenge), `the challenge's example fails VoucherRequest: ${errorsOf(requestSchema)}`);
check(requestSchema({ ...challenge, segment_name: 'frequent_segment' }), 'the frequent_segment example');
for (const [name, s] of Object.entries(doc.components.schemas)) {
	if (s.example === undefined) continue;
	const v = validator({ $ref: `#/components/schemas/${name}` });
	check(v(s.example), `the example of ${name} fails it: ${errorsOf(v)}`);
}
for (const [p, item] of Object.entries(doc.paths)) {
	for (const [m, op] of Object.entries(item)) {
		const rb = op.requestBody && op.requestBody.content['application/json'];
		if (rb && rb.example !== undefined) {
			const v = validator(rb.schema);
			check(v(rb.example), `the request example of ${m} ${p} fails its schema: ${errorsOf(v)}`);
		}
	}
}

// ---- one exchange -------------------------------------------------------

const mediaType = (ct) => (ct || '').split(';')[0].trim().toLowerCase();
const documentedRoute = (p) => Object.prototype.hasOwnProperty.call(doc.paths, p);

// ex: {method, path, reqType, reqBody (Buffer|null), status, headers {lower: value}, body (Buffer)}
function checkExchange(ex, label) {
	const method = ex.method.toLowerCase() === 'head' ? 'get' : ex.method.toLowerCase();
	const ct = mediaType(ex.headers['content-type']);
	const text = ex.body.toString('utf8');
	const where = `${label}: ${ex.method} ${ex.path} -> ${ex.status}`;
	if (!documentedRoute(ex.path)) {
		if (ex.status === 307) {
			const to = ex.headers.location;
			check(ex.path.endsWith('/') && to === ex.path.slice(0, -1) && documentedRoute(to),
				`${where}: Location ${to}`);
			check(ex.body.length === 0, `${where}: a 307 with a body`);
			return;
		}
		if (ex.status === 404) {
			check(ct === 'application/json', `${where}: Content-Type ${ct}`);
			try {
				const v = validator({ $ref: '#/components/schemas/Error' });
				const body = JSON.parse(text);
				check(v(body) && body.error.code === 'not_found', `${where}: ${text.slice(0, 200)}`);
			} catch (e) {
				check(false, `${where}: not JSON: ${text.slice(0, 200)}`);
			}
			return;
		}
		check(ct === 'application/json', `${where}: Content-Type ${ct} (every refusal is JSON)`);
		check([400, 413, 414, 417, 431, 501, 503, 505].includes(ex.status), `${where}: undocumented path and status`);
		return;
	}
	const op = doc.paths[ex.path][method];
	if (!op) {
		check(ex.status === 405, `${where}: ${ex.method} is not an operation of ${ex.path}`);
		// a 405 is documented on the path's operation: check it there
		const other = Object.values(doc.paths[ex.path])[0];
		if (ex.status === 405) checkAnswer(ex, other, where, ct, text);
		return;
	}
	checkAnswer(ex, op, where, ct, text);
	checkRequest(ex, op, where, text);
}

function checkAnswer(ex, op, where, ct, text) {
	const r = op.responses[String(ex.status)];
	check(!!r, `${where}: status ${ex.status} is not documented (${Object.keys(op.responses).join(' ')})`);
	if (!r) return;
	const resp = resolve(r);
	if (ex.method === 'HEAD' || !resp.content) {
		check(!resp.content || ex.body.length === 0 || ex.method === 'HEAD', `${where}: a body where none is documented`);
		return;
	}
	const media = resp.content[ct];
	check(!!media, `${where}: Content-Type ${ct} is not documented (${Object.keys(resp.content).join(' ')})`);
	if (!media || !media.schema) return;
	if (ct.endsWith('json')) {
		let body;
		try {
			body = JSON.parse(text);
		} catch (e) {
			check(false, `${where}: the body is not JSON: ${text.slice(0, 200)}`);
			return;
		}
		const v = validator(media.schema);
		check(v(body), `${where}: the answer fails its schema: ${errorsOf(v)}: ${text.slice(0, 300)}`);
	} else {
		check(resolve(media.schema).type === 'string', `${where}: a ${ct} answer`);
	}
}

// A request the server took must validate against the operation's request schema.
function checkRequest(ex, op, where, text) {
	const rb = op.requestBody && op.requestBody.content['application/json'];
	if (!rb || !ex.reqBody) return;
	let answer = null;
	try {
		answer = JSON.parse(text);
	} catch (e) {
		/* checked above */
	}
	const code = answer && answer.error && answer.error.code;
	const took = ex.status === 200 ||
		(ex.status === 404 && (['unknown_country', 'no_matching_bucket'].includes(code) ||
			(answer && typeof answer.detail === 'string')));
	if (!took) return;
	let body;
	try {
		body = JSON.parse(ex.reqBody.toString('utf8'));
	} catch (e) {
		check(false, `${where}: the server took a body that is not JSON: ${ex.reqBody.toString('utf8').slice(0, 200)}`);
		return;
	}
	requestBodies++;
	if (ex.path === '/vouchers') {
		// The envelope; then each element answered 200 is a VoucherRequest.
		const v = validator(rb.schema);
		check(v(body), `${where}: the server took a batch its schema refuses: ${errorsOf(v)}`);
		const results = (answer && answer.results) || [];
		(body.customers || []).forEach((c, i) => {
			if (!results[i] || results[i].error) return;
			requestBodies++;
			check(requestSchema(c), `${where}: element ${i} answered 200 fails VoucherRequest: ${errorsOf(requestSchema)}: ${JSON.stringify(c).slice(0, 200)}`);
		});
		return;
	}
	const v = validator(rb.schema);
	check(v(body), `${where}: the server took a body its schema refuses: ${errorsOf(v)}: ${JSON.stringify(body).slice(0, 300)}`);
}

// ---- recorded exchanges --------------------------------------------------

function parseHeaders(raw) {
	// the last response's headers (curl -D writes every response of a redirect chain)
	const blocks = raw.split(/\r?\n\r?\n/).filter((b) => /^HTTP\//.test(b));
	const last = blocks[blocks.length - 1] || '';
	const h = {};
	for (const line of last.split(/\r?\n/).slice(1)) {
		const i = line.indexOf(':');
		if (i > 0) h[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
	}
	return h;
}

if (args.exchanges) {
	const dir = args.exchanges;
	const index = fs.existsSync(path.join(dir, 'index.tsv')) ? fs.readFileSync(path.join(dir, 'index.tsv'), 'utf8') : '';
	let n = 0;
	for (const line of index.split('\n')) {
		if (!line) continue;
		const [id, method, p, reqType, status] = line.split('\t');
		if (!/^\d{3}$/.test(status)) continue; // curl could not connect: nothing to check
		const file = (ext) => path.join(dir, `${id}.${ext}`);
		const ex = {
			method, path: p.split('?')[0], reqType,
			reqBody: fs.existsSync(file('req')) ? fs.readFileSync(file('req')) : null,
			status: Number(status),
			headers: fs.existsSync(file('headers')) ? parseHeaders(fs.readFileSync(file('headers'), 'latin1')) : {},
			body: fs.existsSync(file('resp')) ? fs.readFileSync(file('resp')) : Buffer.alloc(0),
		};
		n++;
		checkExchange(ex, `exchange ${id}`);
	}
	console.log(`contract: ${n} exchanges, ${requestBodies} request bodies the server took`);
}

// ---- a broad generated set ------------------------------------------------

function send(base, method, p, body, contentType) {
	const u = new URL(base);
	return new Promise((resolvePromise, reject) => {
		const headers = {};
		if (body !== null && body !== undefined) {
			headers['content-type'] = contentType === undefined ? 'application/json' : contentType;
			headers['content-length'] = Buffer.byteLength(body);
		}
		if (contentType === null) delete headers['content-type'];
		const req = http.request({ host: u.hostname, port: u.port, method, path: p, headers, agent: false }, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolvePromise({
				method, path: p, reqType: headers['content-type'] || '',
				reqBody: body === null || body === undefined ? null : Buffer.from(body),
				status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks),
			}));
		});
		req.on('error', reject);
		req.setTimeout(10000, () => req.destroy(new Error('timeout')));
		if (body !== null && body !== undefined) req.write(body);
		req.end();
	});
}

// Values of every JSON type and the edges the server judges.
const VALUES = [null, true, false, 0, -1, 1, 15, 15.0, 1.5, 1e2, -0, 37, 38, 9007199254740991, 9007199254740993,
	9223372036854775807, 1e300, '', ' ', 'x', '15', ' 15 ', '2.0', '-3', 'nan', '1e1', 'Peru', ' peru ', 'PERU',
	'Chile', 'frequent_segment', 'recency_segment', 'loyalty', '2018-05-03', '2018-05-03 00:00:00',
	'2018-05-03T10:00:00Z', '2018-05-03T10:00:00+05:30', '2018-02-30', '2099-01-01', 'yesterday', 'a\u0000b',
	'Peru\u0000zzz', '\u00e9\u20ac\ud83d\ude00', 'x'.repeat(300), [], [1], {}, { a: 1 }];
const RAW = ['', ' ', '{', '}', '[1,2]', '"x"', '42', 'null', '{} x', '{"a":01}', '{"a":5.}', '{"a":"\\ud800"}',
	'{"a":"\u0001"}', '\u00ef\u00bb\u00bf{}', '{"customer_id":1,"customer_id":2}', '[' .repeat(2000),
	'{"customers":[1,{},[],"x",null]}', '{"customers":{}}', '{"customers":null}'];

async function generate(base) {
	const out = [];
	const ops = [];
	for (const [p, item] of Object.entries(doc.paths)) for (const [m, op] of Object.entries(item)) ops.push([p, m, op]);
	const go = async (method, p, body, ct) => {
		try {
			out.push(await send(base, method, p, body, ct));
		} catch (e) {
			check(false, `${method} ${p}: ${e.message}`);
		}
	};
	for (const [p, m, op] of ops) {
		const rb = op.requestBody && op.requestBody.content['application/json'];
		// the operation's example, else the challenge's
		const example = !rb ? null : rb.example !== undefined ? rb.example
			: p === '/vouchers' ? { customers: [challenge] } : challenge;
		for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])
			await go(method, p, method === 'POST' && rb ? JSON.stringify(example) : null);
		await go(m.toUpperCase(), p + '/', rb ? JSON.stringify(example) : null);
		if (!rb) continue;
		const props = resolve(rb.schema).properties || {};
		for (const ct of ['text/plain', 'application/problem+json', 'application/json; charset=utf-8', null])
			await go('POST', p, JSON.stringify(example), ct);
		for (const raw of RAW) await go('POST', p, raw);
		if (p === '/vouchers') {
			const one = example.customers[0];
			const mixed = VALUES.map((v, i) => ({ ...one, customer_id: i, total_orders: v, segment_name: 'frequent_segment' }));
			await go('POST', p, JSON.stringify({ customers: mixed }));
			await go('POST', p, JSON.stringify({ customers: VALUES }));
			continue;
		}
		const names = [...new Set([...Object.keys(props), ...Object.keys(example), 'total_orders', 'as_of'])];
		for (const name of names) {
			const { [name]: _, ...without } = example;
			await go('POST', p, JSON.stringify(without));
			for (const v of VALUES) await go('POST', p, JSON.stringify({ ...example, [name]: v }));
			for (const seg of ['frequent_segment', 'recency_segment'])
				for (const v of VALUES) await go('POST', p, JSON.stringify({ ...example, segment_name: seg, [name]: v }));
		}
	}
	for (const p of ['/nope', '/voucher//', '/Voucher', '/docs/x', '/health.html', '/voucher%00x', '/health%00.html', '/voucher%zz'])
		await go('GET', p, null);
	return out;
}

if (args.base) {
	const exchanges = await generate(args.base);
	exchanges.forEach((ex, i) => checkExchange(ex, `generated ${i}`));
	const statuses = {};
	for (const ex of exchanges) statuses[ex.status] = (statuses[ex.status] || 0) + 1;
	console.log(`contract: ${exchanges.length} generated exchanges (statuses ${JSON.stringify(statuses)}), ` +
		`${requestBodies} request bodies the server took`);
}

console.log(`contract: ${checks - failures} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
