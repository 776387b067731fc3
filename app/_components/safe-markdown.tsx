'use client';
/**
 * Renders a bee's response as Markdown with no way to run anything: raw HTML shows as
 * text (react-markdown builds React elements and never uses innerHTML), only http(s) and
 * mailto links stay clickable, and images show as their alt text, so a response cannot
 * load remote content.
 */
import type { AnchorHTMLAttributes } from 'react';
import ReactMarkdown from 'react-markdown';
import remarkGfm from 'remark-gfm';

const SAFE_LINK = /^(https?:|mailto:)/i;

function SafeLink({ href, children }: AnchorHTMLAttributes<HTMLAnchorElement>) {
  if (!href || !SAFE_LINK.test(href)) return <span className="inert-link">{children}</span>;
  return (
    <a href={href} rel="noopener noreferrer nofollow" target="_blank">
      {children}
    </a>
  );
}

export function SafeMarkdown({ children }: { children: string }) {
  return (
    <div className="markdown" data-testid="markdown">
      <ReactMarkdown
        remarkPlugins={[remarkGfm]}
        components={{
          a: SafeLink,
          img: ({ alt }) => <span className="inert-link">[image: {alt || 'untitled'}]</span>,
        }}
      >
        {children}
      </ReactMarkdown>
    </div>
  );
}
