// Email through the SMTP server SMTP_URL names (nodemailer), From SMTP_FROM. Email channels and emailed
// reconnect links exist only when it is set.
import nodemailer, { type Transporter } from "nodemailer";
import { getEnv } from "@/lib/env";

let cached: { url: string; transport: Transporter } | undefined;

export const smtpConfigured = (): boolean => Boolean(getEnv().SMTP_URL);

export async function sendMail(message: { to: string | string[]; subject: string; text: string }): Promise<void> {
  const { SMTP_URL, SMTP_FROM } = getEnv();
  if (!SMTP_URL) throw new Error("Email is not configured (SMTP_URL is not set).");
  if (cached?.url !== SMTP_URL) cached = { url: SMTP_URL, transport: nodemailer.createTransport(SMTP_URL) };
  await cached.transport.sendMail({ from: SMTP_FROM ?? "Atlas <atlas@localhost>", ...message });
}
