// GET /docs in a real browser: headless Chromium (Debian's, driven by
// playwright-core) loads the page; it must list every operation of the
// OpenAPI document with its request schema's members and every documented
// status, link each named schema to its own table, and its form must send
// each operation's example to the server and show the answer the server
// gives to that same request (status and body).  No request may leave the
// page's origin, and the page must raise no script error.
//
// usage: node docs.mjs --url BASE/docs --openapi FILE --profile DIR [--shot PNG]
import { openBrowser } from './browser.mjs';
import fs from 'node:fs';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const doc = JSON.parse(fs.readFileSync(args.openapi, 'utf8'));
const origin = new URL(args.url).origin;

let failures = 0;
let checks = 0;
function check(cond, what) {
	checks++;
	if (!cond) {
		failures++;
		console.error('FAIL: ' + what);
	}
}
const resolve = (o) => {
	for (let i = 0; o && o.$ref && i < 10; i++) o = o.$ref.replace(/^#\//, '').split('/').reduce((a, k) => a && a[k], doc);
	return o;
};

// Chromium logs every non-2xx answer of fetch (the examples' 404s, favicon.ico): not a page error
const { context, page, requests, errors } = await openBrowser(args.profile,
	(text) => !/^Failed to load resource: the server responded with a status of/.test(text));

try {
	const resp = await page.goto(args.url, { waitUntil: 'load', timeout: 15000 });
	check(resp.status() === 200 && /^text\/html/.test(resp.headers()['content-type']),
		`GET /docs answered ${resp.status()} ${resp.headers()['content-type']}`);
	await page.waitForFunction(() => document.documentElement.dataset.ready === '1', null, { timeout: 10000 });

	const shown = await page.evaluate(() => [...document.querySelectorAll('section.op')].map((s) => ({
		path: s.dataset.path,
		method: s.dataset.method,
		members: [...s.querySelectorAll('.request-schema td.name')].map((td) => td.firstChild.textContent),
		statuses: [...s.querySelectorAll('table.responses tr[data-status]')].map((tr) => tr.dataset.status),
		example: (s.querySelector('textarea') || {}).value || null,
		links: [...s.querySelectorAll('a.ref')].map((a) => a.getAttribute('href')),
	})));
	const ops = [];
	for (const [p, item] of Object.entries(doc.paths)) for (const [m, op] of Object.entries(item)) ops.push([p, m.toUpperCase(), op]);
	check(shown.length === ops.length, `${shown.length} operations shown, the document has ${ops.length}`);
	for (const [p, m, op] of ops) {
		const s = shown.find((x) => x.path === p && x.method === m);
		check(!!s, `${m} ${p} is not on the page`);
		if (!s) continue;
		check(JSON.stringify(s.statuses) === JSON.stringify(Object.keys(op.responses)),
			`${m} ${p}: statuses ${s.statuses.join(' ')}, documented ${Object.keys(op.responses).join(' ')}`);
		const rb = op.requestBody && op.requestBody.content['application/json'];
		if (rb) {
			const props = Object.keys(resolve(rb.schema).properties || {});
			check(JSON.stringify(s.members) === JSON.stringify(props), `${m} ${p}: members ${s.members.join(' ')}`);
			check(s.example !== null && JSON.stringify(JSON.parse(s.example)) === JSON.stringify(rb.example),
				`${m} ${p}: the form does not hold the example`);
		}
		for (const href of s.links) {
			const target = await page.$(href);
			check(!!target, `${m} ${p}: link ${href} goes nowhere`);
		}
	}

	// Send each operation's example from the page; the answer shown must be the server's.
	for (const [p, m, op] of ops) {
		const sel = `section.op[data-path="${p}"][data-method="${m}"]`;
		const rb = op.requestBody && op.requestBody.content['application/json'];
		await page.click(`${sel} button.send`);
		await page.waitForFunction((s) => {
			const a = document.querySelector(s + ' .answer');
			return a && a.dataset.status;
		}, sel, { timeout: 10000 });
		const got = await page.evaluate((s) => {
			const a = document.querySelector(s + ' .answer');
			const body = a.querySelector('pre.answer-body');
			return { status: a.dataset.status, body: body ? body.textContent : null };
		}, sel);
		const direct = await fetch(origin + p, {
			method: m,
			headers: rb ? { 'Content-Type': 'application/json' } : {},
			body: rb ? JSON.stringify(rb.example) : undefined,
		});
		const text = await direct.text();
		check(got.status === String(direct.status), `${m} ${p}: the page shows ${got.status}, the server answers ${direct.status}`);
		check(!!op.responses[got.status], `${m} ${p}: status ${got.status} is not documented`);
		if (/json/.test(direct.headers.get('content-type') || '') && !/\/metrics/.test(p)) {
			const a = JSON.parse(got.body);
			const b = JSON.parse(text);
			// /ready and /segments carry no time; /metrics changes with every request
			check(JSON.stringify(a) === JSON.stringify(b), `${m} ${p}: the page shows ${got.body.slice(0, 200)}, the server answers ${text.slice(0, 200)}`);
		} else {
			check(got.body && got.body.length > 0, `${m} ${p}: no answer shown`);
		}
	}
	// The example of /voucher, edited in the form: the answer follows the edit.
	const vsel = 'section.op[data-path="/voucher"][data-method="POST"]';
	await page.fill(`${vsel} textarea`, JSON.stringify({ customer_id: 'edited', country_code: 'Nowhere', segment_name: 'frequent_segment', total_orders: 3 }));
	await page.evaluate((s) => { delete document.querySelector(s + ' .answer').dataset.status; }, vsel);
	await page.click(`${vsel} button.send`);
	await page.waitForFunction((s) => document.querySelector(s + ' .answer').dataset.status, vsel, { timeout: 10000 });
	const edited = await page.evaluate((s) => ({
		status: document.querySelector(s + ' .answer').dataset.status,
		body: document.querySelector(s + ' pre.answer-body').textContent,
	}), vsel);
	check(edited.status === '404' && JSON.parse(edited.body).error.code === 'unknown_country', `edited request: ${JSON.stringify(edited)}`);

	const names = Object.keys(doc.components.schemas);
	const tables = await page.evaluate(() => [...document.querySelectorAll('#schemas .schema')].map((d) => d.id));
	check(JSON.stringify(tables) === JSON.stringify(names.map((n) => 'schema-' + n)), `schema sections ${tables.join(' ')}`);
	if (args.shot) await page.screenshot({ path: args.shot, fullPage: true });
	check(errors.length === 0, 'page errors: ' + errors.join('; '));
	const foreign = requests.filter((u) => new URL(u).origin !== origin);
	check(foreign.length === 0, 'requests outside the page\'s origin: ' + foreign.join(', '));
	check(requests.length > ops.length, `only ${requests.length} requests seen`);
} finally {
	await context.close();
}
console.log(`${args.url}: ${checks - failures} checks passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
