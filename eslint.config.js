// ESLint (flat config): JavaScript's recommended rules and typescript-eslint's, for the SDK, scripts, tests, tasks and
// the Hardhat configuration. Formatting is Prettier's business (npm run format).
const js = require("@eslint/js");
const tseslint = require("typescript-eslint");
const globals = require("globals");

module.exports = tseslint.config(
  {
    ignores: [
      "node_modules/",
      "artifacts/",
      "cache/",
      "coverage/",
      "typechain-types/",
      "sdk/dist/",
      "server/dist/",
      "web/dist/",
      ".pharmachain/",
      "ignition/deployments/",
      "bench/out/",
      ".coverage_*/",
      ".mutation/",
      ".sumo/",
    ],
  },
  js.configs.recommended,
  // typescript-eslint's rules for the TypeScript sources; the few .js files are plain CommonJS programs
  ...tseslint.configs.recommended.map((config) => ({ ...config, files: ["**/*.ts", "**/*.tsx"] })),
  {
    files: ["**/*.js"],
    languageOptions: { sourceType: "commonjs" },
  },
  {
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ["**/*.ts", "**/*.tsx"],
    rules: {
      // a leading underscore marks a value left unused on purpose; `{ dropped, ...rest }` keeps the rest
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ["test/**/*.ts"],
    languageOptions: { globals: { ...globals.mocha } },
  },
  // the web page runs in the browser; its build configuration is an ES module
  {
    files: ["web/src/**/*.{ts,tsx}"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ["**/*.mjs"],
    languageOptions: { sourceType: "module" },
  },
);
