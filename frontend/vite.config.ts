import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The build lands where Flask serves it; every asset comes from the build (no CDN).
export default defineConfig({
  base: "/",
  plugins: [react()],
  build: {
    outDir: "../designer/static/app",
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:5000" },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
