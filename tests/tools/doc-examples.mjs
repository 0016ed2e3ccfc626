// Runs the shell examples of Markdown files (tests/integration/t0665-doc-examples.sh;
// the convention is in CONTRIBUTING.md):
//
//   ```sh        every command runs (in the scratch folder, vouch on PATH) and
//                must exit 0; a command may continue over lines (a trailing
//                backslash, or an open quote)
//   ```console   lines starting with "$ " are commands; the lines up to the
//                next "$ " are their output (stdout and stderr), compared
//                exactly after trailing white space; a line "..." matches any
//                lines
//   <!-- doc-test: skip (REASON) -->  on the line before a block: not run,
//                counted and printed with its reason
//
// A ```sh block that starts a background job itself (a line ending in "&", or
// "$!") is a script, pasted whole as a user would: it runs in one bash -e
// with a free loopback port for every "8000", in a process group of its own
// that is killed when it ends (servers it started, and their successors after
// a SIGUSR2 upgrade, with it).
//
// Otherwise `vouch serve` runs in the background on 127.0.0.1 and a free port; every
// "8000" port in later commands (localhost:8000, --port 8000) becomes that
// port.  An example in an indented block, or a fence of another language,
// whose first line is a command (vouch, curl, make, ...) is an error: it
// would escape the test.  Servers' pids are appended to --pids FILE, so the
// calling script can stop them even if this process is killed.
//
// usage: node doc-examples.mjs --work DIR --pids FILE [--timeout SECONDS] FILE.md...
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
let work = null;
let pidsFile = null;
let timeoutS = 120;
const files = [];
for (let i = 0; i < args.length; i++) {
	if (args[i] === '--work') work = args[++i];
	else if (args[i] === '--pids') pidsFile = args[++i];
	else if (args[i] === '--timeout') timeoutS = Number(args[++i]);
	else files.push(args[i]);
}
if (!work || !pidsFile || !files.length) {
	console.error('usage: node doc-examples.mjs --work DIR --pids FILE [--timeout SECONDS] FILE.md...');
	process.exit(2);
}

const COMMAND = /^(\$ |(vouch|curl|make|docker|docker-compose|sudo|cp|mv|ln|export)\s|VOUCH_[A-Z_]*=)/;
const SKIP = /^<!--\s*doc-test:\s*skip\s*\((.+)\)\s*-->\s*$/;

// Whether bash can parse text as complete commands (no open quote or continuation).
function complete(text) {
	if (/\\$/.test(text)) return false;
	return spawnSync('bash', ['-n', '-c', text]).status === 0;
}

// The blocks of one Markdown file: {file, line, lang, lines, skip}.
function blocks(file) {
	const lines = fs.readFileSync(file, 'utf8').split('\n');
	const out = [];
	const markerBefore = (i) => {
		let j = i - 1;
		while (j >= 0 && lines[j].trim() === '') j--;
		const m = j >= 0 ? SKIP.exec(lines[j].trim()) : null;
		return m ? m[1] : null;
	};
	for (let i = 0; i < lines.length; i++) {
		const fence = /^```(\S*)\s*$/.exec(lines[i]);
		if (fence) {
			const start = i;
			const body = [];
			for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
			out.push({ file, line: start + 1, lang: fence[1] || 'text', lines: body, skip: markerBefore(start) });
			continue;
		}
		if (/^ {4}\S/.test(lines[i]) && (i === 0 || lines[i - 1].trim() === '')) {
			const start = i;
			const body = [];
			for (; i < lines.length && (/^ {4}/.test(lines[i]) || lines[i].trim() === ''); i++) body.push(lines[i].slice(4));
			i--;
			while (body.length && body[body.length - 1].trim() === '') body.pop();
			out.push({ file, line: start + 1, lang: 'indented', lines: body, skip: markerBefore(start) });
		}
	}
	return out;
}

// A block's commands: [{cmd, line, expect}] (expect: null, or the output lines).
function commands(b) {
	const out = [];
	let cur = null;
	const console_ = b.lang === 'console';
	for (let k = 0; k < b.lines.length; k++) {
		const text = b.lines[k];
		if (cur && !cur.done) {
			cur.cmd += '\n' + text;
			if (complete(cur.cmd)) cur.done = true;
			continue;
		}
		if (console_) {
			if (text.startsWith('$ ')) {
				cur = { cmd: text.slice(2), line: b.line + 1 + k, expect: [], done: false };
				cur.done = complete(cur.cmd);
				out.push(cur);
			} else if (cur) {
				cur.expect.push(text);
			} else if (text.trim() !== '') {
				throw new Error(`${b.file}:${b.line + 1 + k}: console block output before any "$ " command`);
			}
			continue;
		}
		if (text.trim() === '' || /^\s*#/.test(text)) continue;
		cur = { cmd: text, line: b.line + 1 + k, expect: null, done: false };
		cur.done = complete(cur.cmd);
		out.push(cur);
	}
	if (cur && !cur.done) throw new Error(`${b.file}:${cur.line}: the command does not end: ${cur.cmd}`);
	return out;
}

function normalize(lines) {
	const l = lines.map((s) => s.replace(/\s+$/, ''));
	while (l.length && l[l.length - 1] === '') l.pop();
	return l;
}

// want lines, with "..." matching any lines, against got lines.
function matches(want, got, wi = 0, gi = 0) {
	if (wi === want.length) return gi === got.length;
	if (want[wi] === '...') {
		for (let g = gi; g <= got.length; g++) if (matches(want, got, wi + 1, g)) return true;
		return false;
	}
	return gi < got.length && want[wi] === got[gi] && matches(want, got, wi + 1, gi + 1);
}

let port = null;
const servers = [];
const env = { ...process.env };

function substitute(cmd) {
	if (port === null) return cmd;
	return cmd
		.replace(/\b(localhost|127\.0\.0\.1|0\.0\.0\.0):8000\b/g, `127.0.0.1:${port}`)
		.replace(/(--port[ =]|-p )8000\b/g, `$1${port}`);
}

async function startServer(cmd, where) {
	const log = path.join(work, `serve-${servers.length + 1}.log`);
	const fd = fs.openSync(log, 'w');
	// Listen on loopback and a free port whatever the example says; later options win.
	const line = cmd.replace(/^vouch serve\b/, 'vouch serve --host 127.0.0.1 --port 0')
		.replace(/(--port[ =]|-p )8000\b/g, '--port 0')
		.replace(/(--host[ =])0\.0\.0\.0\b/g, '$1127.0.0.1');
	const child = spawn('bash', ['-c', `exec ${line}`], { cwd: work, env, stdio: ['ignore', fd, fd] });
	fs.closeSync(fd);
	servers.push(child);
	fs.appendFileSync(pidsFile, `${child.pid}\n`);
	for (let i = 0; i < 400; i++) {
		const text = fs.readFileSync(log, 'utf8');
		const m = /listening on 127\.0\.0\.1:(\d+) /.exec(text);
		if (m) {
			if (port === null) port = Number(m[1]);
			return null;
		}
		if (child.exitCode !== null) return `${where}: vouch serve exited ${child.exitCode} at start:\n${text}`;
		await new Promise((r) => setTimeout(r, 50));
	}
	return `${where}: vouch serve did not start listening:\n${fs.readFileSync(log, 'utf8')}`;
}

async function stopServers() {
	for (const c of servers) {
		if (c.exitCode !== null) continue;
		const done = new Promise((r) => c.once('exit', r));
		c.kill('SIGTERM');
		await Promise.race([done, new Promise((r) => setTimeout(r, 15000))]);
		if (c.exitCode === null) c.kill('SIGKILL');
	}
}

// A free loopback port: bound, read and closed.
function freePort() {
	const r = spawnSync(process.execPath, ['-e',
		"const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"],
	{ encoding: 'utf8' });
	return Number(r.stdout.trim());
}

function isScript(b) {
	return b.lang === 'sh' && b.lines.some((l) => /&\s*(#.*)?$/.test(l) && !/&&\s*(#.*)?$/.test(l) || /\$!/.test(l));
}

// Whether process group g still has a member.
function groupAlive(g) {
	try {
		process.kill(-g, 0);
		return true;
	} catch {
		return false;
	}
}

// Ends what is left of a script's process group: SIGTERM, up to 15 s for
// servers to drain, then SIGKILL; returns once the group is empty.
async function endGroup(g) {
	const sig = (s) => { try { process.kill(-g, s); } catch { /* the group is gone */ } };
	sig('SIGTERM');
	for (let i = 0; i < 150 && groupAlive(g); i++) await new Promise((r) => setTimeout(r, 100));
	sig('SIGKILL');
	for (let i = 0; i < 50 && groupAlive(g); i++) await new Promise((r) => setTimeout(r, 100));
}

async function runScript(b, where) {
	const p = freePort();
	const text = b.lines.join('\n')
		.replace(/\b(localhost|127\.0\.0\.1|0\.0\.0\.0):8000\b/g, `127.0.0.1:${p}`)
		.replace(/(--port[ =]|-p )8000\b/g, `$1${p}`);
	const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', text], { cwd: work, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
	fs.appendFileSync(pidsFile, `-${child.pid}\n`);
	let out = '';
	child.stdout.on('data', (d) => { out += d; });
	child.stderr.on('data', (d) => { out += d; });
	const code = await new Promise((resolve) => {
		const t = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, timeoutS * 1000);
		child.once('exit', (c, sig) => { clearTimeout(t); resolve(sig ? sig : c); });
	});
	await endGroup(child.pid);
	if (code !== 0) return `${where}: the script exited ${code}:\n${out.slice(-3000)}`;
	return null;
}

const failures = [];
let run = 0;
let ran = 0;
let compared = 0;
const skipped = [];
try {
	for (const file of files) {
		for (const b of blocks(file)) {
			const where = `${path.basename(file)}:${b.line}`;
			if (b.skip) {
				skipped.push(`${where}: ${b.skip}`);
				continue;
			}
			const first = b.lines.find((l) => l.trim() !== '') || '';
			if (b.lang !== 'sh' && b.lang !== 'console') {
				if (COMMAND.test(first.trim()))
					failures.push(`${where}: a shell example in ${b.lang === 'indented' ? 'an indented block' : `a \`\`\`${b.lang} block`}; fence it as \`\`\`sh or \`\`\`console, or mark it <!-- doc-test: skip (REASON) --> (${first.trim()})`);
				continue;
			}
			if (isScript(b)) {
				run++;
				ran += commands(b).length;
				const err = await runScript(b, where);
				if (err) failures.push(err);
				continue;
			}
			let cmds;
			try {
				cmds = commands(b);
			} catch (e) {
				failures.push(e.message);
				continue;
			}
			run++;
			for (const c of cmds) {
				const at = `${path.basename(file)}:${c.line}`;
				const cmd = substitute(c.cmd);
				ran++;
				if (/^vouch serve\b/.test(cmd.trim())) {
					const err = await startServer(cmd.trim(), at);
					if (err) failures.push(err);
					continue;
				}
				const r = spawnSync('bash', ['-o', 'pipefail', '-c', c.expect ? `{ ${cmd}\n} 2>&1` : cmd], {
					cwd: work, env, encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 64 << 20,
				});
				if (r.error || r.signal) {
					failures.push(`${at}: '${cmd}' did not finish within ${timeoutS} s (${r.error || r.signal})`);
					continue;
				}
				if (c.expect === null) {
					if (r.status !== 0)
						failures.push(`${at}: '${cmd}' exited ${r.status}:\n${(r.stderr || '').slice(0, 2000)}`);
					continue;
				}
				compared++;
				const want = normalize(c.expect);
				const got = normalize((r.stdout || '').split('\n'));
				if (!matches(want, got))
					failures.push(`${at}: '${cmd}' printed\n${got.join('\n')}\nnot, as the document shows,\n${want.join('\n')}`);
			}
		}
	}
} finally {
	await stopServers();
}
for (const s of skipped) console.log(`skipped ${s}`);
console.log(`${run} blocks run (${ran} commands, ${compared} outputs compared), ${skipped.length} skipped, ${failures.length} failed`);
for (const f of failures) console.error(`FAIL: ${f}`);
process.exit(failures.length ? 1 : 0);
