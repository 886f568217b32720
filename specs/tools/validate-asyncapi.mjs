#!/usr/bin/env node
// Validate an AsyncAPI document with the official @asyncapi/parser.
//
// Usage: node specs/tools/validate-asyncapi.mjs [path]   (default: specs/asyncapi.yaml)
// Prints every diagnostic; exits 1 if the parser reports any error (severity 0)
// or cannot produce a document, 2 on a usage/IO problem, 0 otherwise.
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { Parser, DiagnosticSeverity } = require('@asyncapi/parser');

const here = path.dirname(fileURLToPath(import.meta.url));
const target = path.resolve(process.argv[2] ?? path.join(here, '..', 'asyncapi.yaml'));

const SEVERITY = {
  [DiagnosticSeverity.Error]: 'error',
  [DiagnosticSeverity.Warning]: 'warning',
  [DiagnosticSeverity.Information]: 'info',
  [DiagnosticSeverity.Hint]: 'hint',
};

let source;
try {
  source = await readFile(target, 'utf8');
} catch (err) {
  console.error(`cannot read ${target}: ${err.message}`);
  process.exit(2);
}

const parser = new Parser();
const { document, diagnostics } = await parser.parse(source, { source: target });

let errors = 0;
for (const d of diagnostics) {
  const where = (d.path ?? []).join('.') || '<root>';
  const line = d.range ? `${d.range.start.line + 1}:${d.range.start.character + 1}` : '?';
  const level = SEVERITY[d.severity] ?? String(d.severity);
  if (d.severity === DiagnosticSeverity.Error) errors += 1;
  console.log(`${level}\t${path.relative(process.cwd(), target)}:${line}\t${d.code}\t${where}\t${d.message}`);
}

if (!document || errors > 0) {
  console.error(`${target}: INVALID (${errors} error(s))`);
  process.exit(1);
}
const version = document.version();
const channels = document.channels().all().map((c) => c.address());
const messages = document.messages().all().map((m) => m.name() ?? m.id());
console.log(`${target}: valid AsyncAPI ${version}; channels: ${channels.join(', ')}; messages: ${messages.join(', ')}`);
