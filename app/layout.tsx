import type { Metadata } from "next";
import "./globals.css";

// Every page is rendered per request: Next puts the request's CSP nonce (proxy.ts) on its inline scripts,
// which a page prerendered at build time could not carry.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "Atlas", template: "%s · Atlas" },
  description: "Connections, syncs and knowledge graphs of your organization's tools.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">{children}</body>
    </html>
  );
}
