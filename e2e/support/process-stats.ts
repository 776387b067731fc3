/** What a server process costs, read from /proc (Linux); shared with the benches. */
export { rssKiB } from '../../scripts/lib/process-stats';
