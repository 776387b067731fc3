import { describe, expect, it } from 'vitest';
import { bindRefusal, boundHost, isAuthorized, SESSION_COOKIE, sessionValue } from './access';

const TOKEN = 'a-long-random-secret-0123456789';
const headers = (init: Record<string, string>) => new Headers(init);

describe('isAuthorized', () => {
  it('lets everything through when no token is configured', () => {
    expect(isAuthorized(headers({}), undefined)).toBe(true);
  });

  it('accepts the right bearer token and refuses a wrong or missing one', () => {
    expect(isAuthorized(headers({ authorization: `Bearer ${TOKEN}` }), TOKEN)).toBe(true);
    expect(isAuthorized(headers({ authorization: `Bearer ${TOKEN}x` }), TOKEN)).toBe(false);
    expect(isAuthorized(headers({ authorization: 'Bearer ' }), TOKEN)).toBe(false);
    expect(isAuthorized(headers({}), TOKEN)).toBe(false);
  });

  it('accepts the dashboard session cookie derived from the token, never the raw token as a cookie', () => {
    expect(isAuthorized(headers({ cookie: `x=1; ${SESSION_COOKIE}=${sessionValue(TOKEN)}` }), TOKEN)).toBe(true);
    expect(isAuthorized(headers({ cookie: `${SESSION_COOKIE}=${TOKEN}` }), TOKEN)).toBe(false);
    expect(sessionValue(TOKEN)).not.toContain(TOKEN);
  });

  it('does not let a valid cookie rescue a wrong bearer token', () => {
    const both = headers({ authorization: 'Bearer wrong', cookie: `${SESSION_COOKIE}=${sessionValue(TOKEN)}` });
    expect(isAuthorized(both, TOKEN)).toBe(false);
  });
});

describe('bindRefusal', () => {
  it.each(['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]'])('allows loopback %s without a token', (host) => {
    expect(bindRefusal(host, undefined)).toBeNull();
  });

  it.each(['0.0.0.0', '::', '192.168.1.10', 'hive.example.com'])('refuses %s without a token, and says why', (host) => {
    expect(bindRefusal(host, undefined)).toMatch(/without HIVE_API_TOKEN/);
  });

  it('allows any address with a token', () => {
    expect(bindRefusal('0.0.0.0', TOKEN)).toBeNull();
  });
});

describe('boundHost', () => {
  it('reads -H / --hostname from the next start command line, and defaults to every interface', () => {
    expect(boundHost(['node', 'next', 'start', '-H', '127.0.0.1'], undefined)).toBe('127.0.0.1');
    expect(boundHost(['node', 'next', 'start', '--hostname=0.0.0.0'], undefined)).toBe('0.0.0.0');
    expect(boundHost(['node', 'next', 'start'], 'localhost')).toBe('localhost');
    expect(boundHost(['node', 'next', 'start'], undefined)).toBe('0.0.0.0');
  });
});
