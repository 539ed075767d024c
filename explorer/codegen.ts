import type { CodegenConfig } from "@graphql-codegen/cli";

// Operations in src/ are typed from the committed SDL; nothing here talks to a server.
const config: CodegenConfig = {
  schema: "../api/schema.graphql",
  documents: ["src/**/*.ts", "!src/gql/**"],
  ignoreNoDocuments: true,
  generates: {
    "src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        // Queries as strings: no GraphQL parser or AST in the bundle, nothing to print at run time.
        documentMode: "string",
        scalars: { JSON: "unknown", Upload: "File" },
      },
    },
  },
};
export default config;
