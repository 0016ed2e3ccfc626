// make bench: vouch against its anchors, in the same run, alternating, on
// this machine (../shared/bench/README.md describes the anchors).
//
//   pipeline  `vouch process -c all` vs DuckDB reference.sql (2 threads) on the
//             real file and on a 28.5M-row synthetic file (gen.mjs, cached
//             outside the repository); wall time, CPU time, peak RSS; plus the
//             floor (`vouch inspect --scan`: read and decompress every page).
//             Then the scaling table: 1M, 10M and 28.5M rows at 1 and 2
//             threads (rows/s, ns per row, against the floor).
//   api       `vouch serve` vs nginx's canned answer vs the FastAPI app, wrk
//             keep-alive at 64 and 256 connections, sharing both cores and
//             pinned (server on core 0, wrk on core 1): requests/s, p99,
//             server CPU microseconds per request, errors.
//   cluster   contrib/dask/vouch-dask on a loopback Dask cluster (a scheduler
//             and two workers, --nthreads 1) against one `vouch process -j 2`
//             on the same two cores, over the 28.5M-row file and the same rows
//             as 16 files (a Hive-partitioned DuckDB export, cached beside
//             it): wall time and the ratio (goal: within 1.25x); and `vouch
//             merge` of 1,000 partial results (goal: under 1 s).
//
// Medians of BENCH_REPS runs (default 3). Writes docs/BENCHMARKS.md and
// prints the same tables.
//
// usage: node bench/bench.mjs [pipeline] [api] [cluster]   (all by default)
// env:   VOUCH (binary), VOUCH_NODE_DIR (node_modules with DuckDB),
//        VOUCH_SHARED (../shared), VOUCH_BENCH_CACHE (where the big file is
//        kept, default ~/.cache/vouch-bench), BENCH_ROWS (28557000),
//        BENCH_REPS, BENCH_SECONDS (wrk duration, default 5), BENCH_SHARDS
//        (shards of the cluster runs, default 8)
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const VOUCH = path.resolve(process.env.VOUCH || path.join(repo, 'build/vouch'));
const SHARED = path.resolve(process.env.VOUCH_SHARED || path.join(repo, '../shared'));
const NODE_DIR = path.resolve(process.env.VOUCH_NODE_DIR || path.join(repo, 'build/node'));
const CACHE = process.env.VOUCH_BENCH_CACHE || path.join(os.homedir(), '.cache/vouch-bench');
const ROWS = Number(process.env.BENCH_ROWS || 28557000);
const REPS = Number(process.env.BENCH_REPS || 3);
const SECS = Number(process.env.BENCH_SECONDS || 5);
const SHARDS = Number(process.env.BENCH_SHARDS || 8);
const REAL = path.join(SHARED, 'data/data.parquet.gzip');
const which = process.argv.slice(2);
const want = (w) => which.length === 0 || which.includes(w);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vouch-bench-'));
// The servers and cluster processes started, stopped also when the bench is
// interrupted (SIGINT, SIGTERM) before it stops them itself.
const children = new Set();
const track = (child) => {
	children.add(child);
	child.on('exit', () => children.delete(child));
	return child;
};
for (const sig of ['SIGINT', 'SIGTERM'])
	process.on(sig, () => {
		for (const c of children) c.kill('SIGTERM'); // (each stops its own workers)
		fs.rmSync(work, { recursive: true, force: true });
		process.exit(130);
	});
const out = [];

function say(s = '') {
	console.log(s);
	out.push(s);
}

function median(xs) {
	const s = [...xs].sort((a, b) => a - b);
	const m = s.length >> 1;
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

// The anchors' folder with DuckDB next to it (node resolves node_modules
// from the script's folder).
function anchors() {
	const dir = path.join(work, 'anchors');
	if (!fs.existsSync(dir)) {
		fs.mkdirSync(dir);
		for (const f of ['duckdb-run.mjs', 'reference.sql', 'gen.mjs'])
			fs.copyFileSync(path.join(SHARED, 'bench', f), path.join(dir, f));
		fs.symlinkSync(path.join(NODE_DIR, 'node_modules'), path.join(dir, 'node_modules'));
	}
	return dir;
}

// Runs a command under /usr/bin/time; returns wall and CPU seconds and peak RSS in MiB.
function timed(cmd, args, opts = {}) {
	const tf = path.join(work, 'time.txt');
	const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', tf, cmd, ...args], {
		stdio: ['ignore', opts.stdout ? 'pipe' : 'ignore', 'pipe'],
		maxBuffer: 1 << 28,
		env: { ...process.env, ...(opts.env || {}) },
	});
	if (r.status !== 0)
		throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
	const [wall, user, sys, rssKb] = fs.readFileSync(tf, 'utf8').trim().split(/\s+/).map(Number);
	return { wall, cpu: user + sys, rss: rssKb / 1024, stdout: r.stdout, stderr: String(r.stderr) };
}

function machine() {
	const cpu = os.cpus();
	// The first line a command prints about its version, on stdout or stderr, whatever its exit code.
	const ver = (cmd, args) => {
		const r = spawnSync(cmd, args, { encoding: 'utf8' });
		if (r.error) return `${cmd} not found`;
		return `${r.stdout || ''}${r.stderr || ''}`.split('\n').find((l) => l.trim())?.trim() || `${cmd} (no version)`;
	};
	let duck = 'n/a';
	try {
		duck = JSON.parse(fs.readFileSync(path.join(NODE_DIR, 'node_modules/@duckdb/node-api/package.json'))).version;
	} catch { /* not installed */ }
	return [
		`- CPU: ${cpu[0]?.model} x ${cpu.length} (as the process sees them), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`,
		`- Kernel: ${os.release()}; date ${new Date().toISOString()}`,
		`- vouch: ${ver(VOUCH, ['--version'])}; DuckDB (@duckdb/node-api) ${duck}; ${ver('nginx', ['-v'])}; ` +
			`FastAPI ${ver('/usr/bin/python3', ['-c', 'import fastapi; print(fastapi.__version__)'])}; ${ver('wrk', ['-v'])}`,
		`- Load: other processes may share the machine; each figure is the median of ${REPS} runs (vouch and its anchor alternating). ` +
			`Load average (1, 5, 15 min) at the start: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')} ` +
			'(on a loaded machine, wall times and their ratios are not the machine\'s own).',
	];
}

// ---- pipeline --------------------------------------------------------------

// The synthetic file of `rows` rows (gen.mjs), generated once and cached.
function bigFile(rows = ROWS) {
	const f = path.join(CACHE, `big-${rows}.parquet`);
	if (fs.existsSync(f)) return f;
	fs.mkdirSync(CACHE, { recursive: true });
	console.error(`bench: generating ${f} (${rows} rows, about ${Math.ceil(rows / 400000)} s)`);
	const tmp = `${f}.tmp`;
	execFileSync('node', [path.join(anchors(), 'gen.mjs'), tmp, String(rows)], { stdio: 'inherit' });
	fs.renameSync(tmp, f);
	return f;
}

function pipeline() {
	const inputs = [];
	if (fs.existsSync(REAL)) inputs.push(['real file (285,570 rows)', REAL]);
	inputs.push([`synthetic (${ROWS.toLocaleString('en')} rows, gzip)`, bigFile()]);
	say('## Pipeline');
	say();
	say('All countries (`vouch process -c all` vs DuckDB `reference.sql` with 2 threads). DuckDB\'s');
	say('wall time is the whole process (Node start, DuckDB load, query); its query time alone is');
	say('in parentheses. The floor is `vouch inspect --scan`: read and decompress every page of the');
	say('six columns, on the same threads, nothing else.');
	say();
	say('| input | vouch wall s | vouch CPU s | vouch RSS MiB | floor wall s | floor RSS MiB | DuckDB wall s (query) | DuckDB CPU s | DuckDB RSS MiB | DuckDB / vouch wall | vouch / floor |');
	say('|---|---|---|---|---|---|---|---|---|---|---|');
	for (const [label, file] of inputs) {
		const v = [], d = [], f = [];
		const outFile = path.join(work, 'segments.json');
		let ref = null;
		// vouch and its floor side by side, then DuckDB: whatever ran right after a
		// DuckDB run (34 CPU-s on both cores) was slow, a floor run once 1.18 s
		// instead of 0.64 and vouch 2.10 CPU-s instead of 1.87.
		for (let i = 0; i < REPS; i++) {
			v.push(timed(VOUCH, ['process', '-q', '-c', 'all', '-i', file, '-o', outFile]));
			f.push(timed(VOUCH, ['inspect', '--scan', file]));
		}
		for (let i = 0; i < REPS; i++) {
			const r = timed('node', [path.join(anchors(), 'duckdb-run.mjs'), '--threads', '2', '--countries', 'all', file], { stdout: true });
			r.query = Number((/query ms: ([\d.]+)/.exec(r.stderr) || [])[1]) / 1000;
			d.push(r);
			ref = r.stdout;
		}
		spawnSync('sleep', ['5']); // (and the next measurement a pause after DuckDB's last run)
		// The same tables as the reference, cell for cell.
		const refFile = path.join(work, 'ref.json');
		fs.writeFileSync(refFile, ref);
		const cmp = spawnSync('node', [path.join(repo, 'tests/tools/compare.mjs'), outFile, refFile], { encoding: 'utf8' });
		const same = cmp.status === 0 ? 'identical' : `DIFFERENT: ${cmp.stderr.trim()}`;
		const m = (xs, k) => median(xs.map((x) => x[k]));
		say(`| ${label} | ${fmt(m(v, 'wall'))} | ${fmt(m(v, 'cpu'))} | ${fmt(m(v, 'rss'), 0)} | ` +
			`${fmt(m(f, 'wall'))} | ${fmt(m(f, 'rss'), 0)} | ` +
			`${fmt(m(d, 'wall'))} (${fmt(m(d, 'query'))}) | ${fmt(m(d, 'cpu'))} | ${fmt(m(d, 'rss'), 0)} | ` +
			`**${fmt(m(d, 'wall') / m(v, 'wall'), 1)}x** | ${fmt(m(v, 'wall') / m(f, 'wall'), 2)}x |`);
		console.error(`bench: ${label}: results ${same}`);
		out.push(`<!-- ${label}: vouch vs DuckDB results ${same} -->`);
		if (cmp.status !== 0) process.exitCode = 1;
	}
	say();
	scaling();
}

// Cost per row as the input grows (1M, 10M and the big file's rows) and the
// speed-up with threads: `vouch process -c all -j T`, and the floor at T.
function scaling() {
	const sizes = [...new Set([1000000, 10000000, ROWS])].filter((n) => n <= ROWS);
	const cores = Math.min(os.cpus().length, 2) > 1 ? [1, 2] : [1];
	say('### Scaling');
	say();
	say('`vouch process -c all -j THREADS` on gen.mjs files of each size (rows/s and ns per row');
	say('from the wall time; CPU ns per row from user + system time), and the floor at the same');
	say(`threads (\`vouch inspect --scan -j THREADS\`). Medians of ${REPS} runs.`);
	say();
	say('| rows | threads | wall s | CPU s | peak RSS MiB | rows/s | ns/row | CPU ns/row | floor wall s | vouch / floor | speed-up vs 1 thread |');
	say('|---|---|---|---|---|---|---|---|---|---|---|');
	for (const rows of sizes) {
		const file = bigFile(rows);
		const outFile = path.join(work, 'scale.json');
		let one = null;
		for (const t of cores) {
			const v = [], f = [];
			for (let i = 0; i < REPS; i++) {
				v.push(timed(VOUCH, ['process', '-q', '-c', 'all', '-j', String(t), '-i', file, '-o', outFile]));
				f.push(timed(VOUCH, ['inspect', '--scan', '-j', String(t), file]));
			}
			const m = (xs, k) => median(xs.map((x) => x[k]));
			const wall = m(v, 'wall');
			if (t === 1) one = wall;
			say(`| ${rows.toLocaleString('en')} | ${t} | ${fmt(wall)} | ${fmt(m(v, 'cpu'))} | ${fmt(m(v, 'rss'), 0)} | ` +
				`${Math.round(rows / wall).toLocaleString('en')} | ${fmt(wall / rows * 1e9, 1)} | ` +
				`${fmt(m(v, 'cpu') / rows * 1e9, 1)} | ${fmt(m(f, 'wall'))} | ${fmt(wall / m(f, 'wall'), 2)}x | ` +
				`${fmt(one / wall, 2)}x |`);
		}
	}
	say();
}

// ---- api -------------------------------------------------------------------

function freePort() {
	return new Promise((res) => {
		const s = net.createServer();
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => res(port));
		});
	});
}

async function waitPort(port, ms = 10000) {
	const t0 = Date.now();
	while (Date.now() - t0 < ms) {
		const ok = await new Promise((res) => {
			const s = net.connect(port, '127.0.0.1', () => { s.destroy(); res(true); });
			s.on('error', () => res(false));
		});
		if (ok) return;
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new Error(`nothing listens on ${port}`);
}

// Every process of the server: the one started and its descendants.
function tree(pid) {
	const all = [pid];
	for (let i = 0; i < all.length; i++) {
		const r = spawnSync('pgrep', ['-P', String(all[i])], { encoding: 'utf8' });
		for (const line of r.stdout.split('\n')) if (line.trim()) all.push(Number(line));
	}
	return all;
}

function cpuTicks(pids) {
	let t = 0;
	for (const p of pids) {
		try {
			const f = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
			const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
			t += Number(fields[11]) + Number(fields[12]); // utime, stime
		} catch { /* gone */ }
	}
	return t;
}

async function startServer(kind, threads, pinned, segments) {
	const port = await freePort();
	const pin = pinned ? ['taskset', '-c', '0'] : [];
	let child;
	if (kind === 'vouch') {
		child = spawn(pin[0] || VOUCH, [...pin.slice(1), ...(pin.length ? [VOUCH] : []), 'serve', '--segments', segments,
			'--host', '127.0.0.1', '--port', String(port), '--threads', String(threads), '--log-level', 'warn'],
			{ stdio: 'ignore' });
	} else if (kind === 'nginx') {
		const dir = path.join(work, `nginx-${port}`);
		fs.mkdirSync(dir);
		const conf = fs.readFileSync(path.join(SHARED, 'bench/http/nginx.conf.in'), 'utf8')
			.replaceAll('@DIR@', dir).replaceAll('@PORT@', String(port));
		fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
		const args = ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log'), '-g', `worker_processes ${threads};`];
		child = spawn(pin[0] || 'nginx', [...pin.slice(1), ...(pin.length ? ['nginx'] : []), ...args], { stdio: 'ignore' });
	} else {
		const args = ['-m', 'uvicorn', 'fastapi_app:app', '--app-dir', path.join(SHARED, 'bench/http'), '--host', '127.0.0.1',
			'--port', String(port), '--workers', String(threads), '--no-access-log', '--log-level', 'warning'];
		child = spawn(pin[0] || '/usr/bin/python3', [...pin.slice(1), ...(pin.length ? ['/usr/bin/python3'] : []), ...args], { stdio: 'ignore' });
	}
	track(child);
	await waitPort(port);
	await new Promise((r) => setTimeout(r, kind === 'fastapi' ? 1500 : 200));
	return {
		port,
		pids: () => tree(child.pid),
		stop: () => new Promise((res) => {
			if (child.exitCode !== null) return res();
			child.on('exit', res);
			child.kill('SIGTERM');
			setTimeout(() => child.kill('SIGKILL'), 5000);
		}),
	};
}

function wrk(port, conns, pinned) {
	const lua = path.join(SHARED, 'bench/http/post.lua');
	const cmd = [...(pinned ? ['taskset', '-c', '1'] : []), 'wrk', '-t1', `-c${conns}`, `-d${SECS}s`, '--latency', '--timeout', '5s',
		'-s', lua, `http://127.0.0.1:${port}/voucher`];
	const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8' });
	const text = r.stdout;
	const n = Number((/(\d+) requests in/.exec(text) || [])[1] || 0);
	const rps = Number((/Requests\/sec:\s+([\d.]+)/.exec(text) || [])[1] || 0);
	const p99m = /99%\s+([\d.]+)(us|ms|s)/.exec(text);
	const p99 = p99m ? Number(p99m[1]) * { us: 1, ms: 1000, s: 1e6 }[p99m[2]] : NaN;
	const non2xx = Number((/Non-2xx or 3xx responses: (\d+)/.exec(text) || [])[1] || 0);
	const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
	const errors = non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
	return { n, rps, p99, errors };
}

async function api() {
	const segments = path.join(work, 'api-segments.json');
	const src = fs.existsSync(REAL) ? REAL : null;
	if (src) execFileSync(VOUCH, ['process', '-q', '-i', src, '-o', segments]);
	else {
		execFileSync(VOUCH, ['gen', '--rows', '100000', '-o', path.join(work, 'sample.csv')]);
		execFileSync(VOUCH, ['process', '-q', '-i', path.join(work, 'sample.csv'), '-o', segments]);
	}
	const ncpu = os.cpus().length;
	// Each server in its best thread count for the placement: sharing the
	// cores, vouch and nginx are tried with 1 and with one per core and the
	// better (by median requests/s) is reported; FastAPI gets a worker per
	// core. Pinned to one core: one thread or worker each.
	const configs = [];
	for (const pinned of [false, true]) {
		for (const [kind, label] of [['vouch', 'vouch serve'], ['nginx', 'nginx canned answer'], ['fastapi', 'FastAPI (proof of concept stack)']]) {
			const counts = pinned ? [1] : (kind === 'fastapi' ? [ncpu] : [...new Set([1, ncpu])]);
			for (const threads of counts) configs.push({ kind, label, threads, pinned });
		}
	}
	say('## API');
	say();
	say(`wrk -t1, keep-alive, ${SECS} s per run, POST /voucher with the challenge's example body`);
	say('(`../shared/bench/http/post.lua`). "shared": server and wrk on both cores; "pinned": server');
	say('on core 0 (`taskset -c 0`), wrk on core 1. CPU per request is the server\'s user+system time');
	say('over the run divided by the requests answered. Errors are non-2xx answers plus socket errors.');
	say();
	const rows = [];
	for (const conns of [64, 256]) {
		const results = new Map();
		for (let rep = 0; rep < REPS; rep++) {
			for (const c of configs) {
				const s = await startServer(c.kind, c.threads, c.pinned, segments);
				wrk(s.port, conns, c.pinned); // warm-up, not counted
				const t0 = cpuTicks(s.pids());
				const r = wrk(s.port, conns, c.pinned);
				const t1 = cpuTicks(s.pids());
				r.cpuUs = r.n ? ((t1 - t0) / CLK_TCK) * 1e6 / r.n : NaN;
				await s.stop();
				const key = `${c.kind}/${c.pinned}/${c.threads}`;
				if (!results.has(key)) results.set(key, { c, runs: [] });
				results.get(key).runs.push(r);
			}
		}
		const best = new Map();
		for (const { c, runs } of results.values()) {
			const row = {
				conns, c,
				rps: median(runs.map((r) => r.rps)),
				p99: median(runs.map((r) => r.p99)),
				cpuUs: median(runs.map((r) => r.cpuUs)),
				errors: runs.reduce((a, r) => a + r.errors, 0),
			};
			const key = `${c.kind}/${c.pinned}`;
			const prev = best.get(key);
			// Errors count over every thread count tried, not only the one reported.
			if (prev) row.errors += prev.errors;
			if (!prev || row.rps > prev.rps) best.set(key, row);
			else prev.errors = row.errors;
		}
		rows.push(...best.values());
	}
	say('| connections | placement | server (threads) | requests/s | p99 µs | CPU µs/request | errors | vs nginx req/s | vs nginx p99 | vs nginx CPU/req |');
	say('|---|---|---|---|---|---|---|---|---|---|');
	for (const r of rows) {
		const ng = rows.find((x) => x.conns === r.conns && x.c.pinned === r.c.pinned && x.c.kind === 'nginx');
		say(`| ${r.conns} | ${r.c.pinned ? 'pinned' : 'shared'} | ${r.c.label} (${r.c.threads}) | ${Math.round(r.rps).toLocaleString('en')} | ` +
			`${fmt(r.p99, 0)} | ${fmt(r.cpuUs, 1)} | ${r.errors} | ${fmt(r.rps / ng.rps)}x | ${fmt(r.p99 / ng.p99)}x | ${fmt(r.cpuUs / ng.cpuUs)}x |`);
	}
	say();
	for (const conns of [64, 256]) {
		for (const pinned of [false, true]) {
			const g = (k) => rows.find((x) => x.conns === conns && x.c.pinned === pinned && x.c.kind === k);
			const v = g('vouch'), f = g('fastapi');
			say(`- ${conns} connections, ${pinned ? 'pinned' : 'shared'}: vouch/FastAPI requests/s **${fmt(v.rps / f.rps, 1)}x**`);
		}
	}
	say();
}

// ---- cluster ---------------------------------------------------------------

// The big file's rows as 16 Parquet files (DuckDB, Hive-partitioned: part=N/),
// cached beside it; about 4 minutes the first time on a loaded machine.
function splitFiles() {
	const dir = path.join(CACHE, `big-${ROWS}-16`);
	if (fs.existsSync(dir)) return dir;
	const big = bigFile();
	const tmp = `${dir}.tmp`;
	fs.rmSync(tmp, { recursive: true, force: true });
	console.error(`bench: writing ${dir} (the same rows as 16 files, a few minutes)`);
	fs.copyFileSync(path.join(repo, 'tests/tools/sql.mjs'), path.join(anchors(), 'sql.mjs'));
	execFileSync('node', [path.join(anchors(), 'sql.mjs'),
		`COPY (SELECT * EXCLUDE (file_row_number), (file_row_number * 16 // ${ROWS}) AS part ` +
		`FROM read_parquet('${big}', file_row_number=true)) TO '${tmp}' ` +
		'(FORMAT parquet, PARTITION_BY (part), COMPRESSION gzip)'], { stdio: 'inherit' });
	fs.renameSync(tmp, dir);
	return dir;
}

// A file of 1,000 row groups (2,048 generated rows each) for the merge of 1,000 parts.
function thousandGroups() {
	const f = path.join(CACHE, 'groups-1000.parquet');
	if (fs.existsSync(f)) return f;
	const csv = path.join(work, 'groups.csv');
	execFileSync(VOUCH, ['gen', '--rows', String(1000 * 2048), '--seed', '5', '-o', csv], { stdio: 'ignore' });
	fs.copyFileSync(path.join(repo, 'tests/tools/sql.mjs'), path.join(anchors(), 'sql.mjs'));
	execFileSync('node', [path.join(anchors(), 'sql.mjs'),
		`COPY (SELECT * FROM read_csv('${csv}', header=true, all_varchar=true)) TO '${f}.tmp' ` +
		'(FORMAT parquet, ROW_GROUP_SIZE 2048)'], { stdio: 'inherit' });
	fs.renameSync(`${f}.tmp`, f);
	return f;
}

// A scheduler and two workers (one thread each, no nanny, no dashboard) on 127.0.0.1.
async function startCluster() {
	const dir = path.join(work, 'dask');
	fs.mkdirSync(dir);
	const sched = path.join(dir, 'scheduler.json');
	const procs = [];
	const logs = [];
	const start = (cmd, args, log) => {
		const fd = fs.openSync(path.join(dir, log), 'w');
		procs.push(track(spawn(cmd, args, { stdio: ['ignore', fd, fd], cwd: dir })));
		logs.push(path.join(dir, log));
	};
	start('dask-scheduler', ['--host', '127.0.0.1', '--port', '0', '--no-dashboard', '--scheduler-file', sched], 'scheduler.log');
	const until = async (what, ok) => {
		for (let i = 0; i < 600; i++) {
			if (ok()) return;
			await new Promise((r) => setTimeout(r, 100));
		}
		throw new Error(`bench: timed out waiting for ${what}`);
	};
	await until('the scheduler', () => fs.existsSync(sched) && fs.statSync(sched).size > 0);
	for (const w of [1, 2])
		start('dask-worker', ['--scheduler-file', sched, '--host', '127.0.0.1', '--nthreads', '1', '--no-dashboard',
			'--no-nanny', '--local-directory', dir], `worker${w}.log`);
	await until('two workers', () => logs.slice(1).every((l) => /Registered to/.test(fs.readFileSync(l, 'utf8'))));
	return {
		sched,
		stop: () => Promise.all(procs.map((c) => new Promise((res) => {
			if (c.exitCode !== null) return res();
			c.on('exit', res);
			c.kill('SIGTERM');
			setTimeout(() => c.kill('SIGKILL'), 5000);
		}))),
	};
}

async function clusterBench() {
	say('## Past one machine: vouch-dask on a loopback cluster');
	say();
	const have = spawnSync('/usr/bin/python3', ['-c', 'import distributed'], { encoding: 'utf8' }).status === 0 &&
		spawnSync('sh', ['-c', 'command -v dask-scheduler && command -v dask-worker'], { encoding: 'utf8' }).status === 0;
	if (!have) {
		say('Skipped: Dask is not installed (`scripts/deps.sh bench` installs python3-distributed).');
		say();
		return;
	}
	const driver = path.join(repo, 'contrib/dask/vouch-dask');
	const inputs = [[`${ROWS.toLocaleString('en')} rows, one file (29 row groups)`, bigFile()],
		['the same rows as 16 files (Hive folders)', splitFiles()]];
	const groups = thousandGroups();
	const c = await startCluster();
	try {
		say(`\`contrib/dask/vouch-dask --shards ${SHARDS}\` (each task one \`vouch process --partial -j 1\`) on a`);
		say('scheduler and two workers (`--nthreads 1`) on 127.0.0.1, against one `vouch process -j 2`, both');
		say('`-c all` on the same two cores. The cluster\'s wall time is the driver\'s, end to end: Python and');
		say('Dask start, tasks, gathering the parts, `vouch merge`. Both write the same version.');
		say();
		say('| input | single -j 2 wall s | cluster wall s | cluster / single | same version |');
		say('|---|---|---|---|---|');
		for (const [label, input] of inputs) {
			const one = [], many = [];
			const o1 = path.join(work, 'single.json'), o2 = path.join(work, 'cluster.json');
			for (let i = 0; i < REPS; i++) {
				one.push(timed(VOUCH, ['process', '-q', '-j', '2', '-c', 'all', '-i', input, '-o', o1]));
				many.push(timed('/usr/bin/python3', [driver, '--scheduler-file', c.sched, '--vouch', VOUCH, '-q',
					'-i', input, '-c', 'all', '--shards', String(SHARDS), '-o', o2]));
			}
			const v = (f) => JSON.parse(fs.readFileSync(f, 'utf8')).version;
			const same = v(o1) === v(o2);
			if (!same) process.exitCode = 1;
			const a = median(one.map((x) => x.wall)), b = median(many.map((x) => x.wall));
			say(`| ${label} | ${fmt(a)} | ${fmt(b)} | **${fmt(b / a)}x** | ${same ? 'yes' : 'NO'} |`);
		}
		say();
		// 1,000 parts of one job: 1,000 shards of a file of 1,000 row groups, one each.
		const parts = path.join(work, 'parts');
		fs.mkdirSync(parts);
		execFileSync('bash', ['-c', `seq 0 999 | xargs -P 2 -I{} "$0" process -q --partial --shard {}/1000 -c all ` +
			`-j 1 -i "$1" -o "$2/part-{}.vpart"`, VOUCH, groups, parts]);
		const list = fs.readdirSync(parts).map((f) => path.join(parts, f));
		const bytes = list.reduce((n, f) => n + fs.statSync(f).size, 0);
		const m = [];
		const om = path.join(work, 'merged.json'), o1 = path.join(work, 'one.json');
		for (let i = 0; i < REPS; i++) m.push(timed(VOUCH, ['merge', '-q', '-o', om, ...list]));
		timed(VOUCH, ['process', '-q', '-c', 'all', '-i', groups, '-o', o1]);
		const same = JSON.parse(fs.readFileSync(om, 'utf8')).version === JSON.parse(fs.readFileSync(o1, 'utf8')).version;
		if (!same) process.exitCode = 1;
		say(`\`vouch merge\` of ${list.length} partial results (${(bytes / 1e6).toFixed(1)} MB, -c all, every part one row group`);
		say(`of 2,048 rows): **${fmt(median(m.map((x) => x.wall)), 3)} s** wall, ${fmt(median(m.map((x) => x.rss)), 0)} MiB peak RSS (goal: under 1 s);`);
		say(`the merged version ${same ? 'equals' : 'DIFFERS from'} \`vouch process\` over the file.`);
		say();
	} finally {
		await c.stop();
	}
}

say('# Benchmarks');
say();
say('Written by `make bench` (bench/bench.mjs). Every figure below was measured in one run of it, on the');
say('machine described here (the machine that ran `make bench` last, not necessarily yours: the');
say('CPU, memory and load differ between machines, so compare the ratios, which were measured side by');
say('side, rather than the absolute times). Reproduce them on yours with `make bench` (or');
say('`make bench BENCH=pipeline`, `BENCH=api`), which rewrites this file; such a run keeps the other');
say('sections, each marked with the date of the run that measured it. The run:');
say();
for (const l of machine()) say(l);
say();
try {
	if (want('pipeline')) pipeline();
	if (want('api')) await api();
	if (want('cluster')) await clusterBench();
	say(`Load average (1, 5, 15 min) at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}.`);
} finally {
	fs.rmSync(work, { recursive: true, force: true });
}
const doc = path.join(repo, 'docs/BENCHMARKS.md');
fs.writeFileSync(doc, keepOthers(doc, out).join('\n') + '\n');
console.error(`bench: wrote ${doc}`);

// A run of some parts (BENCH=pipeline) keeps the other parts' sections of the
// file as they were, each marked with the date of the run that measured it.
function keepOthers(file, lines) {
	const heads = { pipeline: '## Pipeline', api: '## API', cluster: '## Past one machine' };
	const skipped = Object.keys(heads).filter((k) => !want(k));
	if (!skipped.length || !fs.existsSync(file)) return lines;
	const old = fs.readFileSync(file, 'utf8').split('\n');
	const date = (old.find((l) => / date \d{4}-/.test(l)) || '').replace(/.* date /, '') || 'an earlier run';
	const section = (head) => {
		const at = old.findIndex((l) => l.startsWith(head));
		if (at < 0) return [];
		let end = old.findIndex((l, i) => i > at && (l.startsWith('## ') || l.startsWith('Load average (1, 5, 15 min) at the end')));
		if (end < 0) end = old.length;
		if ((old[at + 2] || '').startsWith('(Kept from the run of')) return old.slice(at, end); // (kept twice)
		return [old[at], '', `(Kept from the run of ${date}: this run did not measure it.)`, ...old.slice(at + 1, end)];
	};
	const result = [...lines];
	const tail = result.findIndex((l) => l.startsWith('Load average (1, 5, 15 min) at the end'));
	result.splice(tail < 0 ? result.length : tail, 0, ...skipped.flatMap((k) => section(heads[k])));
	return result;
}
