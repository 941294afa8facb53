// Lint: typescript-eslint's recommended rules, import cycles, and the layering in docs/architecture.md.
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import importX from "eslint-plugin-import-x";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

/**
 * The layers, lowest first. A folder may import its own layer's kernel and anything below it, never above:
 * the kernel (db/, app/domain, app/platform, app/i18n, app/ui) imports no feature, and each feature imports
 * only the features listed before it. Entry points (routes, server, worker, cli, demo) may import anything.
 */
const KERNEL = ["db", "app/domain", "app/platform", "app/i18n", "app/ui"];
const FEATURES = [
  "app/messaging",
  "app/engine",
  "app/borrower",
  "app/plans",
  "app/payments",
  "app/bank",
  "app/api",
  "app/portal",
  "app/staff",
];
const ENTRY = ["app/routes", "app/server", "app/worker", "app/cli", "app/demo"];

const zones = [
  // The kernel imports no feature and no entry point.
  ...KERNEL.map((target) => ({ target: `./${target}`, from: [...FEATURES, ...ENTRY].map((f) => `./${f}`) })),
  // A feature imports only the features before it (and the kernel); never an entry point.
  ...FEATURES.map((target, i) => ({
    target: `./${target}`,
    from: [...FEATURES.slice(i + 1), ...ENTRY].map((f) => `./${f}`),
  })),
];

export default tseslint.config(
  {
    ignores: ["build/**", ".data/**", "node_modules/**", "public/**", "tests/.results/**", "test-results/**"],
  },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    plugins: { "import-x": importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      "import-x/resolver": undefined,
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "./tsconfig.json" })],
    },
    rules: {
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "import-x/no-restricted-paths": ["error", { zones }],
      "import-x/no-self-import": "error",
      "import-x/no-useless-path-segments": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "no-console": "error",
    },
  },
  {
    files: ["app/**/*.tsx"],
    plugins: { "react-hooks": reactHooks },
    rules: { "react-hooks/rules-of-hooks": "error" },
  },
  {
    // Migrations take Kysely<any>: each is written against the schema of its own day, not today's types.
    files: ["db/migrations/**", "db/migrate.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // Functions short enough to read at once, modules small enough to hold in mind (issue #22 item 8).
    files: ["app/**/*.{ts,tsx}", "db/**/*.ts"],
    ignores: ["**/*.test.ts", "tests/**", "db/migrations/**"],
    rules: {
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
      "max-lines": ["error", { max: 400, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // One flat list of table interfaces behind one Database type: split by area it would only scatter the lookups.
    files: ["db/schema.ts"],
    rules: { "max-lines": "off" },
  },
  {
    // Tests, benchmarks and command-line output may write to the console.
    files: ["tests/**", "app/cli/**"],
    rules: { "no-console": "off" },
  },
  {
    // Tests read loader and action results of many shapes through one helper.
    files: ["tests/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
