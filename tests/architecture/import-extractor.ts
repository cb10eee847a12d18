// Every module a source file can load, read with the TypeScript parser (so comments, strings and
// template text never count): static imports and re-exports, `import x = require()`, dynamic import(),
// require(), require.resolve(), createRequire(...)(...) / .resolve(), import.meta.resolve(), and the
// `import('x').T` type queries. A computed specifier is reported as such: it could hide any edge.

import ts from 'typescript';

export type ImportKind =
  | 'static'
  | 'type'
  | 're-export'
  | 'import-equals'
  | 'dynamic'
  | 'require'
  | 'resolve'
  | 'type-query';

export interface ExtractedImport {
  /** The module specifier; undefined when it is computed at run time. */
  specifier: string | undefined;
  kind: ImportKind;
  /** 1-based line of the statement or call. */
  line: number;
}

/** A string literal or a template without substitutions: what a bundler or a reader can resolve. */
function literalText(node: ts.Node | undefined): string | undefined {
  if (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) return node.text;
  return undefined;
}

const isIdentifier = (node: ts.Node, name: string) => ts.isIdentifier(node) && node.text === name;

/** `createRequire(...)`, or a variable holding one would be computed; only the direct call is recognised. */
const isCreateRequireCall = (node: ts.Node) =>
  ts.isCallExpression(node) && isIdentifier(node.expression, 'createRequire');

/** What kind of module-loading call `call` is, if any. */
function callKind(call: ts.CallExpression): ImportKind | undefined {
  const callee = call.expression;
  if (callee.kind === ts.SyntaxKind.ImportKeyword) return 'dynamic';
  if (isIdentifier(callee, 'require') || isCreateRequireCall(callee)) return 'require';
  if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'resolve') {
    const target = callee.expression;
    if (isIdentifier(target, 'require') || isCreateRequireCall(target)) return 'resolve';
    // import.meta.resolve('x')
    if (ts.isMetaProperty(target) && target.keywordToken === ts.SyntaxKind.ImportKeyword) return 'resolve';
  }
  return undefined;
}

/** Every module `sourceText` loads or names, in source order. `fileName` picks the dialect (.ts, .mjs, ...). */
export function extractImports(sourceText: string, fileName = 'source.ts'): ExtractedImport[] {
  const source = ts.createSourceFile(fileName, sourceText, ts.ScriptTarget.Latest, true);
  const found: ExtractedImport[] = [];
  const add = (node: ts.Node, kind: ImportKind, specifier: string | undefined) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    found.push({ specifier, kind, line: line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(node, node.importClause?.isTypeOnly ? 'type' : 'static', literalText(node.moduleSpecifier));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node, node.isTypeOnly ? 'type' : 're-export', literalText(node.moduleSpecifier));
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, 'import-equals', literalText(node.moduleReference.expression));
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument;
      add(node, 'type-query', ts.isLiteralTypeNode(argument) ? literalText(argument.literal) : undefined);
    } else if (ts.isCallExpression(node)) {
      const kind = callKind(node);
      if (kind) add(node, kind, literalText(node.arguments[0]));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}
