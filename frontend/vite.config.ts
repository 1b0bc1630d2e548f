import { defineConfig, loadEnv } from "vite";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";
import { pagesHeaders } from "./scripts/pages-headers.ts";

export default defineConfig(({ mode }) => {
  const env = { ...loadEnv(mode, process.cwd(), "VITE_"), ...process.env };
  const apiUrl = env.VITE_API_URL || "http://127.0.0.1:8787";
  return {
    plugins: [react(), tailwindcss(), pagesHeaders({ apiUrl, supabaseUrl: env.VITE_SUPABASE_URL || "" })],
    define: { "import.meta.env.VITE_API_URL": JSON.stringify(apiUrl) },
    build: { target: "es2022", sourcemap: false, reportCompressedSize: true },
    test: { environment: "node", include: ["src/**/*.test.ts"] },
  };
});
