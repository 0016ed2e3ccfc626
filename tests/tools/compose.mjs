// Reads docker-compose.yml (the YAML subset it is written in) and prints it as
// JSON, for tests/integration/t0710-compose.sh.  No npm package: the subset is
// small enough to parse here, and anything outside it is an error naming the
// line, so the compose file cannot silently drift from what the test checks.
//
// The subset: block mappings ("key: value", "key:" followed by a deeper
// block), block lists of scalars ("- value"), flow values in JSON syntax
// ([...], {...}, "..."), 'single-quoted' and plain scalars (kept as strings),
// comments and blank lines.  Indentation by spaces only.
//
// usage: node compose.mjs docker-compose.yml
import { readFileSync } from "node:fs";

function fail(no, msg) {
	throw new Error(`docker-compose.yml line ${no}: ${msg}`);
}

// The line without its comment: a '#' at the start or after white space,
// outside quotes.
function stripComment(s) {
	let quote = null;
	for (let i = 0; i < s.length; i++) {
		const c = s[i];
		if (quote === '"' && c === "\\") {
			i++;
		} else if (quote) {
			if (c === quote) quote = null;
		} else if (c === '"' || c === "'") {
			quote = c;
		} else if (c === "#" && (i === 0 || /\s/.test(s[i - 1]))) {
			return s.slice(0, i);
		}
	}
	return s;
}

function scalar(s, no) {
	if (/^[[{"]/.test(s)) {
		try {
			return JSON.parse(s);
		} catch (e) {
			fail(no, `not a JSON-style flow value: ${e.message}`);
		}
	}
	if (s.startsWith("'")) {
		if (!s.endsWith("'") || s.length < 2) fail(no, "unterminated 'string'");
		return s.slice(1, -1).replace(/''/g, "'");
	}
	if (/^[&*!|>%@`]/.test(s)) fail(no, `YAML feature outside the subset: ${s}`);
	return s;
}

export function parseCompose(text) {
	const lines = [];
	text.split("\n").forEach((raw, i) => {
		const s = stripComment(raw.replace(/\r$/, ""));
		if (!s.trim()) return;
		const indent = s.match(/^ */)[0].length;
		if (s[indent] === "\t") fail(i + 1, "tab in indentation");
		lines.push({ indent, text: s.trim(), no: i + 1 });
	});
	let pos = 0;

	function block() {
		return lines[pos].text.startsWith("- ") ? list(lines[pos].indent) : map(lines[pos].indent);
	}
	function map(indent) {
		const out = {};
		while (pos < lines.length && lines[pos].indent === indent) {
			const l = lines[pos];
			const m = l.text.match(/^("[^"]*"|[A-Za-z0-9_.-]+):(?:\s+(.*))?$/);
			if (!m) fail(l.no, `expected "key: value", got: ${l.text}`);
			const key = m[1].startsWith('"') ? JSON.parse(m[1]) : m[1];
			if (Object.hasOwn(out, key)) fail(l.no, `duplicate key ${key}`);
			pos++;
			if (m[2] !== undefined && m[2] !== "") out[key] = scalar(m[2], l.no);
			else if (pos < lines.length && lines[pos].indent > indent) out[key] = block();
			else out[key] = null;
		}
		if (pos < lines.length && lines[pos].indent > indent) fail(lines[pos].no, "unexpected indentation");
		return out;
	}
	function list(indent) {
		const out = [];
		while (pos < lines.length && lines[pos].indent === indent && lines[pos].text.startsWith("- ")) {
			out.push(scalar(lines[pos].text.slice(2).trim(), lines[pos].no));
			pos++;
		}
		if (pos < lines.length && lines[pos].indent > indent) fail(lines[pos].no, "nested lists are outside the subset");
		return out;
	}

	if (!lines.length) return {};
	if (lines[0].indent !== 0) fail(lines[0].no, "the document must start at column 0");
	const doc = map(0);
	if (pos < lines.length) fail(lines[pos].no, "unexpected line");
	return doc;
}

if (process.argv[2]) {
	process.stdout.write(JSON.stringify(parseCompose(readFileSync(process.argv[2], "utf8")), null, 1) + "\n");
}
