// Install-time patch of @evidence-dev/universal-sql 3.0.1 (run by `npm install`, postinstall).
//
// Why: Evidence reads its source data back with DuckDB-Wasm's read_parquet(), and DuckDB-Wasm
// downloads the parquet extension from extensions.duckdb.org on first use. Without internet
// access `evidence sources` and `evidence build` then hang silently. This patch reads the parquet
// files with parquet-wasm (already a dependency of universal-sql) and hands DuckDB-Wasm Arrow
// instead, so no extension is needed at build time.
//
// Safety: each file is patched only if its SHA-256 is exactly the one this patch was written
// against; an already patched file is left alone; anything else FAILS the install loudly.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PKG = join(ROOT, 'node_modules', '@evidence-dev', 'universal-sql');
const MARK = '// PATCHED by reports/evidence/scripts/patch-universal-sql.mjs';

const PATCHES = [
	{
		file: 'src/client-duckdb/node.js',
		sha256: 'b1bbf1f5ae190acefe0f3ceb70d404b7798643523cc20cc4f4d5e24fbaffb471',
		edits: [
			[
				"import { withTimeout } from './both.js';\n",
				"import { withTimeout } from './both.js';\n" +
					`${MARK}\n` +
					"import { readFileSync } from 'fs';\n" +
					"import { readParquet } from 'parquet-wasm/node/arrow1.js';\n"
			],
			[
				'\t\t\tdb.registerFileURL(\n' +
					'\t\t\t\tfile_name,\n' +
					'\t\t\t\turl.split(pathDelimiterRegex).join(path.sep),\n' +
					'\t\t\t\tDuckDBDataProtocol.NODE_FS,\n' +
					'\t\t\t\tfalse\n' +
					'\t\t\t);\n' +
					'\t\t\tconnection.query(\n' +
					"\t\t\t\t`CREATE OR REPLACE VIEW \"${source}\".\"${table}\" AS (SELECT * FROM read_parquet('${file_name}'));`\n" +
					'\t\t\t);\n',
				`\t\t\t${MARK}: parquet-wasm instead of read_parquet\n` +
					'\t\t\tconst bytes = readFileSync(url.split(pathDelimiterRegex).join(path.sep));\n' +
					'\t\t\tconst ipc = readParquet(new Uint8Array(bytes)).intoIPCStream();\n' +
					'\t\t\tfor (const kind of ["VIEW", "TABLE"]) {\n' +
					'\t\t\t\ttry {\n' +
					'\t\t\t\t\tconnection.query(`DROP ${kind} IF EXISTS "${source}"."${table}"`);\n' +
					'\t\t\t\t} catch {\n' +
					'\t\t\t\t\t// the name exists as the other kind\n' +
					'\t\t\t\t}\n' +
					'\t\t\t}\n' +
					'\t\t\tconnection.insertArrowFromIPCStream(ipc, { schema: source, name: table, create: true });\n'
			]
		]
	},
	{
		file: 'src/build-parquet.js',
		sha256: '7376c2878449348d9f3a26f16446fc24e391545714a6be3764634fc10f9d64de',
		edits: [
			[
				"import fs from 'fs/promises';\n",
				"import fs from 'fs/promises';\n" +
					`${MARK}\n` +
					"import { tableFromIPC } from 'apache-arrow';\n" +
					"import { readParquet } from 'parquet-wasm/node/arrow1.js';\n"
			],
			[
				"\tconst parquetFiles = tmpFilenames.map((filename) => `'${filename.replaceAll('\\\\', '/')}'`);\n" +
					'\n' +
					"\tconst select = `SELECT * FROM read_parquet([${parquetFiles.join(',')}])`;\n" +
					"\tconst copy = `COPY (${select}) TO '${outputFilepath}' (FORMAT 'PARQUET', CODEC 'ZSTD', USE_TMP_FILE false);`;\n" +
					'\n' +
					'\tawait fs.mkdir(path.dirname(outputFilepath), { recursive: true });\n' +
					'\tawait query(copy);\n',
				`\t${MARK}: merge the batches with parquet-wasm, not read_parquet\n` +
					'\tawait fs.mkdir(path.dirname(outputFilepath), { recursive: true });\n' +
					'\tconst parts = [];\n' +
					'\tfor (const f of tmpFilenames) {\n' +
					'\t\tparts.push(tableFromIPC(readParquet(new Uint8Array(await fs.readFile(f))).intoIPCStream()));\n' +
					'\t}\n' +
					'\tconst merged = parts.length === 1 ? parts[0] : parts[0].concat(...parts.slice(1));\n' +
					'\tconst props = new WriterPropertiesBuilder().setCompression(Compression.ZSTD).build();\n' +
					'\tconst out = writeParquet(Table.fromIPCStream(tableToIPC(merged, "stream")), props);\n' +
					'\tawait fs.writeFile(outputFilepath, out);\n'
			]
		]
	}
];

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

function fail(message) {
	console.error(`\n*** patch-universal-sql: ${message}`);
	console.error(
		'*** The Evidence build would hang offline without this patch. Pin the versions in\n' +
			'*** reports/evidence/package.json back, or re-check the patch against the new file\n' +
			'*** and update its SHA-256 in reports/evidence/scripts/patch-universal-sql.mjs.\n'
	);
	process.exit(1);
}

const version = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8')).version;
if (version !== '3.0.1') fail(`@evidence-dev/universal-sql is ${version}, the patch is for 3.0.1`);

for (const { file, sha256: expected, edits } of PATCHES) {
	const target = join(PKG, file);
	let text = readFileSync(target, 'utf8');
	if (text.includes(MARK)) {
		console.log(`patch-universal-sql: ${file} already patched`);
		continue;
	}
	const actual = sha256(text);
	if (actual !== expected) fail(`${file} changed (sha256 ${actual}, expected ${expected})`);
	for (const [before, after] of edits) {
		if (text.split(before).length !== 2) fail(`${file}: the text to replace is not there once`);
		text = text.replace(before, () => after);
	}
	writeFileSync(target, text);
	console.log(`patch-universal-sql: patched ${file} (read parquet with parquet-wasm)`);
}
