// The dashboard in a real browser: headless Chromium (Debian's, driven by
// playwright-core) loads the page, and the DOM must show the artifact's
// numbers: each country's section, each bucket's rows and voucher (the
// fallback marked for an empty bucket), a chart per segment whose bars hold
// the bucket's counts at lengths proportional to them, the quality funnel.
// No request may leave the page's origin.
//
// usage: node dashboard.mjs --url URL | --file PATH  --artifact JSON
//          [--replace SERVED --with JSON2]  [--shots PREFIX]  [--profile DIR]
//   --replace: after the first checks, rename JSON2 over SERVED (as `vouch
//   process` does) and wait for the page to reload itself showing JSON2.
//   --shots: PREFIX-desktop.png (full page, 1280 wide) and PREFIX-phone.png
//   (390 wide, full page); the phone page must not scroll sideways.
import { openBrowser } from './browser.mjs';
import fs from 'node:fs';
import path from 'node:path';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const target = args.url || 'file://' + path.resolve(args.file);
const origin = args.url ? new URL(args.url).origin : null;

let failures = 0;
let checks = 0;
function check(cond, what) {
	checks++;
	if (!cond) {
		failures++;
		console.error('FAIL: ' + what);
	}
}
const digits = (s) => (s || '').replace(/[^0-9]/g, '');

// What the page shows, read from the DOM.
async function readPage(page) {
	return page.evaluate(() => {
		const txt = (el) => (el ? el.textContent.trim() : null);
		const out = {
			version: document.documentElement.getAttribute('data-version'),
			versionText: txt(document.getElementById('version')),
			builtAt: txt(document.getElementById('built-at')),
			age: txt(document.getElementById('age')),
			sources: [...document.querySelectorAll('#sources tr.source td.path')].map(txt),
			funnel: {},
			outside: {},
			countries: [],
			scrollWidth: document.documentElement.scrollWidth,
			innerWidth: window.innerWidth,
		};
		for (const tr of document.querySelectorAll('#quality tr[data-stage]')) {
			const num = txt(tr.querySelector('td.num'));
			if (tr.dataset.stage === 'outside_buckets') out.outside[tr.dataset.segment] = num;
			else out.funnel[tr.dataset.stage] = num;
		}
		for (const sec of document.querySelectorAll('section.country')) {
			const c = { name: sec.dataset.country, heading: txt(sec.querySelector('h2')), segments: {} };
			const fb = sec.querySelector('.sub b.fallback');
			c.fallback = fb ? txt(fb) : null;
			for (const seg of sec.querySelectorAll('.segment')) {
				const s = { rows: [], svgs: seg.querySelectorAll('svg.chart').length, bars: [] };
				for (const tr of seg.querySelectorAll('table.buckets tbody tr')) {
					const cells = tr.querySelectorAll('td');
					s.rows.push({
						bucket: txt(cells[0]),
						rows: txt(cells[1]),
						voucher: txt(cells[3]),
						fallbackMark: !!cells[3].querySelector('.fb'),
						emptyClass: tr.classList.contains('empty'),
					});
				}
				for (const g of seg.querySelectorAll('svg.chart g.bucket')) {
					for (const r of g.querySelectorAll('rect.bar')) {
						const box = r.getBBox();
						s.bars.push({
							bucket: g.dataset.bucket,
							amount: r.dataset.amount,
							rows: Number(r.dataset.rows),
							width: box.width,
							shown: r.getBoundingClientRect().width > 0,
						});
					}
				}
				c.segments[seg.dataset.segment] = s;
			}
			out.countries.push(c);
		}
		return out;
	});
}

// Compares what the page shows with the artifact a.
function compare(shown, a, label) {
	const q = a.quality;
	check(shown.version === a.version, `${label}: data-version ${shown.version} is not ${a.version}`);
	check(a.version.startsWith(shown.versionText || '-'), `${label}: version shown '${shown.versionText}'`);
	check(shown.builtAt === a.built_at, `${label}: built_at shown '${shown.builtAt}', not ${a.built_at}`);
	check(/^\d+ (s|min|h \d+ min|d \d+ h)$/.test(shown.age || ''), `${label}: age '${shown.age}'`);
	check(JSON.stringify(shown.sources) === JSON.stringify(a.sources.map((s) => s.path)),
		`${label}: sources ${JSON.stringify(shown.sources)}`);
	const stages = { rows_read: q.rows_read, rows_kept: q.rows_kept, missing_total_orders: q.missing_total_orders, ...q.dropped };
	for (const [k, v] of Object.entries(stages))
		check(digits(shown.funnel[k]) === String(v), `${label}: funnel ${k} shows '${shown.funnel[k]}', artifact ${v}`);
	for (const [k, v] of Object.entries(q.outside_buckets))
		check(digits(shown.outside[k]) === String(v), `${label}: outside_buckets ${k} shows '${shown.outside[k]}', artifact ${v}`);
	check(shown.countries.length === a.countries_selected.length,
		`${label}: ${shown.countries.length} country sections, artifact has ${a.countries_selected.length}`);
	a.countries_selected.forEach((name, ci) => {
		const c = shown.countries[ci];
		const t = a.countries[name];
		if (!c) return;
		check(c.name === name && c.heading === name, `${label}: section ${ci} is '${c.heading}', expected ${name}`);
		const fb = t.fallback.voucher_amount;
		check(c.fallback === (fb === null ? null : String(fb)), `${label}: ${name} fallback '${c.fallback}', artifact ${fb}`);
		for (const [segName, def] of Object.entries(a.segments)) {
			const s = c.segments[segName];
			check(!!s, `${label}: ${name} has no ${segName}`);
			if (!s) continue;
			check(s.svgs === 1, `${label}: ${name} ${segName} has ${s.svgs} charts`);
			check(s.rows.length === def.buckets.length, `${label}: ${name} ${segName} has ${s.rows.length} table rows`);
			const scale = [];
			def.buckets.forEach((b, bi) => {
				const cell = t.segments[segName][b.name];
				const row = s.rows[bi] || {};
				check(row.bucket === b.name, `${label}: ${name} ${segName} row ${bi} is '${row.bucket}', expected ${b.name}`);
				check(digits(row.rows) === String(cell.rows), `${label}: ${name} ${segName} ${b.name} rows '${row.rows}', artifact ${cell.rows}`);
				const want = cell.voucher_amount ?? fb;
				check(digits((row.voucher || '').split(/\s/)[0]) === String(want ?? ''),
					`${label}: ${name} ${segName} ${b.name} voucher '${row.voucher}', artifact ${cell.voucher_amount} (fallback ${fb})`);
				check(row.fallbackMark === (cell.voucher_amount === null) && row.emptyClass === (cell.voucher_amount === null),
					`${label}: ${name} ${segName} ${b.name} fallback marking`);
				// Bars: the bucket's counts, amounts beyond the chart's eight summed as "other".
				const bars = s.bars.filter((x) => x.bucket === b.name);
				const counts = Object.entries(cell.counts);
				const got = Object.fromEntries(bars.map((x) => [x.amount, x.rows]));
				if (!bars.some((x) => x.amount === 'other')) {
					check(JSON.stringify(got) === JSON.stringify(Object.fromEntries(counts.map(([k, v]) => [k, v]))),
						`${label}: ${name} ${segName} ${b.name} bars ${JSON.stringify(got)}, counts ${JSON.stringify(cell.counts)}`);
				} else {
					const total = bars.reduce((n, x) => n + x.rows, 0);
					check(total === cell.rows, `${label}: ${name} ${segName} ${b.name} bars sum to ${total}, not ${cell.rows}`);
				}
				for (const x of bars) {
					check(x.shown && x.width > 0, `${label}: ${name} ${segName} ${b.name} bar ${x.amount} is not drawn`);
					if (x.width > 2) scale.push(x.width / x.rows);
				}
			});
			// One scale per chart: bar length proportional to rows.
			if (scale.length > 1) {
				const lo = Math.min(...scale), hi = Math.max(...scale);
				check(hi / lo < 1.02, `${label}: ${name} ${segName} bar lengths are not proportional (${lo}..${hi})`);
			}
			check(s.bars.length > 0 || t.rows === 0, `${label}: ${name} ${segName} chart has no bars`);
		}
	});
}

const { context, page, requests, errors } = await openBrowser(args.profile);

try {
	const a = JSON.parse(fs.readFileSync(args.artifact, 'utf8'));
	const resp = await page.goto(target, { waitUntil: 'load', timeout: 15000 });
	if (args.url) check(resp.status() === 200 && /text\/html/.test(resp.headers()['content-type']), `GET / answered ${resp.status()} ${resp.headers()['content-type']}`);
	compare(await readPage(page), a, 'desktop');
	if (args.shots) {
		await page.screenshot({ path: args.shots + '-desktop.png', fullPage: true });
		const phone = await context.newPage();
		await phone.setViewportSize({ width: 390, height: 844 });
		await phone.goto(target, { waitUntil: 'load', timeout: 15000 });
		const shown = await readPage(phone);
		compare(shown, a, 'phone');
		check(shown.scrollWidth <= shown.innerWidth + 1, `phone: the page is ${shown.scrollWidth} px wide in a ${shown.innerWidth} px window`);
		await phone.screenshot({ path: args.shots + '-phone.png', fullPage: true });
		await phone.close();
	}
	if (args.replace) {
		const b = JSON.parse(fs.readFileSync(args.with, 'utf8'));
		const tmp = path.join(path.dirname(args.replace), '.dashboard-next.tmp');
		fs.copyFileSync(args.with, tmp);
		fs.renameSync(tmp, args.replace);
		const t0 = Date.now();
		// The page polls /ready and reloads itself; wait for the new version in its DOM.
		await page.waitForFunction((v) => document.documentElement.getAttribute('data-version') === v, b.version,
			{ timeout: 15000, polling: 200 });
		await page.waitForLoadState('load');
		console.log(`reloaded itself with the new version in ${Date.now() - t0} ms`);
		compare(await readPage(page), b, 'after reload');
	}
	check(errors.length === 0, 'page errors: ' + errors.join('; '));
	const foreign = requests.filter((u) => (origin ? new URL(u).origin !== origin : !u.startsWith('file://')));
	check(foreign.length === 0, 'requests outside the page\'s origin: ' + foreign.join(', '));
	check(requests.length > 0, 'no request was seen');
} finally {
	await context.close();
}
console.log(`${target}: ${checks - failures} checks passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
