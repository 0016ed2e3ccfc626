// Compares a vouch artifact with the DuckDB reference rows of
// ../shared/bench/reference.sql, cell for cell: every (country, segment,
// bucket, voucher) count, the outside-bucket counts, each country's kept rows
// and, derived from the counts with the SPEC tie rule, each bucket's most used
// voucher and the fallback.  usage: node compare.mjs ARTIFACT REF.json
import { readFileSync } from 'fs';
const art = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const ref = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const errors = [];
const key = (...p) => p.join('|');
const want = new Map();
for (const r of ref) {
  const k = key(r.country.toLowerCase(), r.segment, r.bucket);
  if (!want.has(k)) want.set(k, new Map());
  want.get(k).set(String(Number(r.voucher)), Number(r.n));
}
const most = (counts) => {
  let best = null, rows = -1;
  for (const [v, n] of counts) if (n > rows || (n === rows && Number(v) < Number(best))) { best = v; rows = n; }
  return best === null ? null : Number(best);
};
const same = (a, b) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
const seen = new Set();
const countries = Object.entries(art.countries);
const refCountries = new Set(ref.map((r) => r.country.toLowerCase()));
for (const c of refCountries)
  if (!countries.some(([name]) => name.toLowerCase() === c)) errors.push(`country ${c} missing from artifact`);
const outside = {};
for (const [name, table] of countries) {
  const lc = name.toLowerCase();
  const all = want.get(key(lc, '(country)', '(all)')) ?? new Map();
  seen.add(key(lc, '(country)', '(all)'));
  const total = [...all.values()].reduce((a, b) => a + b, 0);
  if (table.rows !== total) errors.push(`${name}: rows ${table.rows}, reference ${total}`);
  if (table.fallback.voucher_amount !== most(all)) errors.push(`${name}: fallback ${table.fallback.voucher_amount}, reference ${most(all)}`);
  if (most(all) !== null && table.fallback.rows !== all.get(String(most(all)))) errors.push(`${name}: fallback rows differ`);
  for (const [seg, buckets] of Object.entries(table.segments)) {
    for (const [bucket, cell] of Object.entries(buckets)) {
      const k = key(lc, seg, bucket);
      seen.add(k);
      const w = want.get(k) ?? new Map();
      const got = new Map(Object.entries(cell.counts).map(([v, n]) => [String(Number(v)), n]));
      if (!same(got, w)) errors.push(`${name} ${seg} ${bucket}: counts ${JSON.stringify([...got])}, reference ${JSON.stringify([...w])}`);
      const rows = [...w.values()].reduce((a, b) => a + b, 0);
      if (cell.rows !== rows) errors.push(`${name} ${seg} ${bucket}: rows ${cell.rows}, reference ${rows}`);
      if (cell.voucher_amount !== most(w)) errors.push(`${name} ${seg} ${bucket}: voucher ${cell.voucher_amount}, reference ${most(w)}`);
    }
    const o = want.get(key(lc, seg, '(outside)')) ?? new Map();
    seen.add(key(lc, seg, '(outside)'));
    outside[seg] = (outside[seg] ?? 0) + [...o.values()].reduce((a, b) => a + b, 0);
  }
}
for (const [seg, n] of Object.entries(outside))
  if (art.quality.outside_buckets[seg] !== n) errors.push(`outside_buckets.${seg}: ${art.quality.outside_buckets[seg]}, reference ${n}`);
for (const k of want.keys()) if (!seen.has(k)) errors.push(`reference cell ${k} not in the artifact`);
const kept = countries.reduce((a, [, t]) => a + t.rows, 0);
if (art.quality.rows_kept !== kept) errors.push(`rows_kept ${art.quality.rows_kept} != sum of country rows ${kept}`);
if (errors.length) { console.error(errors.slice(0, 20).join('\n')); process.exit(1); }
console.log(`compare: ${countries.length} countries agree with the reference`);
