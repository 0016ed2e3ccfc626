// Runs one SQL statement in an in-memory DuckDB (tests use it to write Parquet
// and CSV files the way another tool would).  usage: node sql.mjs "SQL"
import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run(process.argv[2]);
