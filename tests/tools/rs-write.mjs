// Rewrites a Parquet file with the Rust Parquet writer (arrow-rs, through the
// npm package parquet-wasm): the second independent writer of the interop
// tests, and the one that writes data pages v2 (DuckDB writes only v1 pages)
// and Hadoop-framed LZ4.
// usage: node rs-write.mjs IN OUT [version=V1|V2] [compression=ZSTD]
//        [dictionary=true|false] [encoding=DELTA_BINARY_PACKED] [col.NAME=ENCODING]
//        [rowgroup=ROWS] [pagesize=BYTES]
import { readFileSync, writeFileSync } from 'fs';
import * as pq from 'parquet-wasm';

const [input, output, ...opts] = process.argv.slice(2);
const table = pq.readParquet(new Uint8Array(readFileSync(input)));
let props = new pq.WriterPropertiesBuilder();
for (const opt of opts) {
  const [key, value] = opt.split('=');
  if (key === 'version') props = props.setWriterVersion(pq.WriterVersion[value]);
  else if (key === 'compression') props = props.setCompression(pq.Compression[value]);
  else if (key === 'dictionary') props = props.setDictionaryEnabled(value === 'true');
  else if (key === 'encoding') props = props.setEncoding(pq.Encoding[value]);
  else if (key.startsWith('col.')) props = props.setColumnEncoding(key.slice(4), pq.Encoding[value]);
  else if (key === 'rowgroup') props = props.setMaxRowGroupSize(Number(value));
  else if (key === 'pagesize') props = props.setDataPageSizeLimit(Number(value));
  else throw new Error(`unknown option ${opt}`);
  if ((key === 'encoding' || key.startsWith('col.')) && pq.Encoding[value] === undefined)
    throw new Error(`unknown encoding ${value}`);
}
writeFileSync(output, pq.writeParquet(table, props.build()));
