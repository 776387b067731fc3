/** Root layout of the dashboard. */
import type { ReactNode } from 'react';

export const metadata = { title: 'Hive Control', description: 'Control plane for a hive of AI coding agents' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
