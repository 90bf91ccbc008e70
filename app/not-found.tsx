import Link from "next/link";

export default function NotFound() {
  return (
    <main className="mx-auto max-w-xl px-4 py-16 text-center">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p className="mt-2 text-slate-700">This page does not exist, or it belongs to an organization you are not part of.</p>
      <Link href="/" className="mt-6 inline-block text-indigo-700 hover:underline">
        Back to the overview
      </Link>
    </main>
  );
}
