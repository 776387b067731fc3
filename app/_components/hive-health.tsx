'use client';
/**
 * Bees and inboxes, live: each bot's inbox (depth, oldest wait, work in hand, blocked,
 * held while paused, live bees) with Pause/Resume, each bee (its bots, host, pid, last
 * heartbeat, task in hand), and the warnings an operator must act on. Ages tick every
 * second from the moment the server measured them.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useId } from 'react';
import type { BeeStatus, BotHealth, HealthWarning } from '@/server/contracts/health';
import { useTRPC } from '../_trpc/client';
import { Age } from './age';
import { formatAge, useNow } from './clock';
import { useHiveHealth } from './use-hive-health';

const WARNING_LABELS: Record<HealthWarning['code'], string> = {
  no_live_bee: 'no live bee',
  stale_claim: 'stale claim',
  long_running: 'long running',
};

/** `compact`: the dashboard's panel (bots with something going on, the first warnings); else the whole hive. */
export function HiveHealth({ compact = false }: { compact?: boolean }) {
  const health = useHiveHealth();
  const now = useNow(1_000);
  const id = useId();
  const heading = (
    <div className="panel-head">
      <h2 id={`${id}-heading`}>{compact ? 'Hive' : 'Bees and inboxes'}</h2>
      {compact && <Link href="/hive">All bots and bees</Link>}
    </div>
  );
  if (!health.data) {
    return (
      <section className="panel hive" aria-labelledby={`${id}-heading`}>
        {heading}
        {health.isError ? (
          <p className="empty error" role="alert">
            Could not load the hive’s health: {health.error.message}
          </p>
        ) : (
          <p className="empty">Loading the hive’s health…</p>
        )}
      </section>
    );
  }
  // Seconds since the server measured the ages: they keep counting here until the next refresh.
  const elapsed = Math.max(0, (now - health.dataUpdatedAt) / 1000);
  const { warnings, bees } = health.data;
  const bots = compact ? health.data.bots.filter(hasSomethingGoingOn) : health.data.bots;
  const shownWarnings = compact ? warnings.slice(0, 3) : warnings;

  return (
    <section className={`panel hive${compact ? ' hive-compact' : ''}`} aria-labelledby={`${id}-heading`}>
      {heading}
      {warnings.length > 0 && (
        <div className="hive-section">
          <h3 id={`${id}-warnings`}>
            Warnings <span className="count">{warnings.length}</span>
          </h3>
          <ul className="warnings" aria-labelledby={`${id}-warnings`} data-testid="warnings">
            {shownWarnings.map((w, i) => (
              <WarningItem key={`${w.code}-${w.task_id ?? w.bot_id ?? i}`} warning={w} />
            ))}
          </ul>
          <p className="muted">
            <Link href="/?stuck=1">
              {compact && warnings.length > shownWarnings.length
                ? `All ${warnings.length} warnings: the stuck tasks`
                : 'Show the stuck tasks'}
            </Link>
          </p>
        </div>
      )}

      <div className="hive-section">
        <h3 id={`${id}-bots`}>Inboxes</h3>
        {bots.length === 0 ? (
          <p className="empty">
            {compact ? 'No bot has work waiting, in hand or paused.' : 'No bot has had a task or a bee yet.'}
          </p>
        ) : (
          <ul className="cards" aria-labelledby={`${id}-bots`}>
            {bots.map((bot) => (
              <BotCard key={bot.bot_id} bot={bot} elapsed={elapsed} />
            ))}
          </ul>
        )}
      </div>

      <div className="hive-section">
        <h3 id={`${id}-bees`}>
          Bees{' '}
          <span className="count" data-testid="live-bee-count">
            {bees.filter((b) => b.live).length} live
          </span>
        </h3>
        {bees.length === 0 ? (
          <p className="empty">
            No bee has announced itself. A bee does when it starts: over HTTP with its first heartbeat or claim, on the
            hive&apos;s disk by writing <code>.deia/hive/bees/&#123;bee&#125;.json</code>.
          </p>
        ) : (
          <ul className="cards" aria-labelledby={`${id}-bees`}>
            {bees.map((bee) => (
              <BeeCard key={bee.bee} bee={bee} elapsed={elapsed} />
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}

function hasSomethingGoingOn(bot: BotHealth): boolean {
  return bot.waiting + bot.in_progress + bot.blocked + bot.held > 0 || bot.paused || bot.live_bees > 0;
}

function WarningItem({ warning }: { warning: HealthWarning }) {
  return (
    <li data-testid="warning" data-code={warning.code} data-task-id={warning.task_id}>
      <span className={`badge warning-code warning-${warning.code}`}>{WARNING_LABELS[warning.code]}</span>{' '}
      {warning.message}
      {warning.task_id && (
        <>
          {' '}
          <Link href={`/tasks/${warning.task_id}`} aria-label={`Open ${warning.task_id}`}>
            Open task
          </Link>
        </>
      )}
    </li>
  );
}

function BotCard({ bot, elapsed }: { bot: BotHealth; elapsed: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const settled = () => {
    void queryClient.invalidateQueries(trpc.hive.bots.pathFilter());
    void queryClient.invalidateQueries(trpc.tasks.pathFilter());
  };
  const pause = useMutation(trpc.bots.pause.mutationOptions({ onSettled: settled }));
  const resume = useMutation(trpc.bots.resume.mutationOptions({ onSettled: settled }));
  const toggle = bot.paused ? resume : pause;
  const warned = bot.warnings.length > 0;
  return (
    <li
      className={`card bot-card${warned ? ' card-warn' : ''}`}
      data-testid="bot"
      data-bot-id={bot.bot_id}
      data-paused={bot.paused}
    >
      <div className="card-head">
        <Link href={`/?bot_id=${encodeURIComponent(bot.bot_id)}`} className="card-title">
          <code>{bot.bot_id}</code>
        </Link>
        {bot.paused && (
          <span className="badge state-held" data-testid="paused">
            paused
          </span>
        )}
        <button
          type="button"
          className="small secondary"
          onClick={() => toggle.mutate({ bot_id: bot.bot_id })}
          disabled={toggle.isPending}
          aria-label={`${bot.paused ? 'Resume' : 'Pause'} ${bot.bot_id}`}
        >
          {bot.paused ? 'Resume' : 'Pause'}
        </button>
      </div>
      <dl className="stats">
        <Stat label="Waiting" value={bot.waiting} testId="waiting" warn={bot.waiting > 0 && bot.live_bees === 0} />
        <Stat
          label="Oldest wait"
          value={bot.oldest_waiting_s === null ? '—' : formatAge((bot.oldest_waiting_s + elapsed) * 1000)}
          testId="oldest"
        />
        <Stat label="In progress" value={bot.in_progress} testId="in-progress" />
        <Stat label="Blocked" value={bot.blocked} testId="blocked" warn={bot.blocked > 0} />
        <Stat label="Held" value={bot.held} testId="held" />
        <Stat
          label="Live bees"
          value={bot.live_bees}
          testId="live-bees"
          warn={bot.live_bees === 0 && bot.waiting > 0}
        />
      </dl>
      <p className="muted small-text">
        {bot.paused
          ? 'Paused: new tasks are recorded and held out of the inbox until it resumes.'
          : bot.last_response_at
            ? 'Last answer '
            : 'No answer yet.'}
        {!bot.paused && bot.last_response_at && (
          <>
            <Age iso={bot.last_response_at} /> ago.
          </>
        )}
      </p>
      {toggle.error && (
        <p className="field-error" role="alert">
          {toggle.error.message}
        </p>
      )}
    </li>
  );
}

function Stat(props: { label: string; value: number | string; testId: string; warn?: boolean }) {
  return (
    <div className={props.warn ? 'stat stat-warn' : 'stat'}>
      <dt>{props.label}</dt>
      {/* Ages tick, so the server's render and the browser's differ by a moment. */}
      <dd data-testid={props.testId} suppressHydrationWarning>
        {props.value}
      </dd>
    </div>
  );
}

/** Why a bee is not live, in words (the reasons the server records with `bee_offline`). */
function offlineReason(reason: string | null): string {
  switch (reason) {
    case 'stopped':
      return 'it stopped';
    case 'process_gone':
      return 'its process is gone';
    case 'heartbeat_lost':
      return 'no heartbeat for 30 s';
    default:
      return reason ?? 'no heartbeat';
  }
}

function BeeCard({ bee, elapsed }: { bee: BeeStatus; elapsed: number }) {
  return (
    <li
      className={`card bee-card${bee.live ? '' : ' card-warn'}`}
      data-testid="bee"
      data-bee={bee.bee}
      data-live={bee.live}
    >
      <div className="card-head">
        <code className="card-title">{bee.bee}</code>
        <span className={`badge ${bee.live ? 'bee-live' : 'bee-offline'}`} data-testid="bee-state">
          {bee.live ? 'live' : 'offline'}
        </span>
      </div>
      <dl className="fields compact-fields">
        <dt>Bots</dt>
        <dd>{bee.bots.join(', ')}</dd>
        <dt>Host · pid</dt>
        <dd>
          {bee.host}
          {bee.pid === null ? '' : ` · ${bee.pid}`}
          {bee.via === 'http' ? ' · over HTTP' : ''}
        </dd>
        <dt>Heartbeat</dt>
        <dd data-testid="heartbeat" title={bee.heartbeat_at} suppressHydrationWarning>
          {`${formatAge((bee.heartbeat_age_s + elapsed) * 1000)} ago`}
        </dd>
        {bee.live ? null : (
          <>
            <dt>Offline</dt>
            <dd data-testid="offline-reason">{offlineReason(bee.offline_reason)}</dd>
          </>
        )}
        <dt>{bee.live ? 'Working on' : 'Was working on'}</dt>
        <dd data-testid="current-task">
          {bee.current_task ? (
            <Link href={`/tasks/${bee.current_task}`}>{bee.current_task}</Link>
          ) : (
            <span className="muted">nothing</span>
          )}
        </dd>
      </dl>
    </li>
  );
}
