/** Root layout: the tRPC/react-query providers and the one live connection, shared by every page. */
import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { HealthBadge } from './_components/health-badge';
import { LiveIndicator, LiveProvider } from './_components/live-provider';
import { getHive } from '@/server/hive-instance';
import { dashboardAuthorized } from '@/server/http/dashboard-access';
import { SignIn } from './_components/sign-in';
import { TRPCReactProvider } from './_trpc/client';
import './globals.css';

export const metadata: Metadata = {
  title: 'Hive Control',
  description: 'Control plane for a hive of AI coding agents',
};

export const viewport: Viewport = { colorScheme: 'light dark', width: 'device-width', initialScale: 1 };

export const dynamic = 'force-dynamic';

const RECENT_ACTIVITY = 30;

export default async function RootLayout({ children }: { children: ReactNode }) {
  if (!(await dashboardAuthorized())) {
    return (
      <html lang="en">
        <body>
          <SignIn />
        </body>
      </html>
    );
  }
  // The live stream starts from what this render saw, so nothing falls in between; it
  // replays the last few events too, so the activity feed opens with recent history.
  const initialEventId = Math.max(0, (await (await getHive()).service.lastEventId()) - RECENT_ACTIVITY);
  return (
    <html lang="en">
      <body>
        <TRPCReactProvider>
          <LiveProvider initialEventId={initialEventId}>
            <a href="#main" className="skip-link">
              Skip to content
            </a>
            <header className="topbar">
              <Link href="/" className="brand">
                Hive Control
              </Link>
              <nav aria-label="Pages" className="nav">
                <Link href="/">Tasks</Link>
                <Link href="/hive">Bees and inboxes</Link>
              </nav>
              <span className="topbar-end">
                <HealthBadge />
                <LiveIndicator />
              </span>
            </header>
            <main id="main">{children}</main>
          </LiveProvider>
        </TRPCReactProvider>
      </body>
    </html>
  );
}
