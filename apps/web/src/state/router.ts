// Client routes (the gateway serves index.html for them): /, /c/<id>, /search, /directory,
// /new, /sessions.
import { useEffect, useState } from 'react';

export type Route =
  | { name: 'home' }
  | { name: 'conversation'; id: string }
  | { name: 'search' }
  | { name: 'directory' }
  | { name: 'new' }
  | { name: 'sessions' };

export function parseRoute(pathname: string): Route {
  const conversation = /^\/c\/([^/]+)$/.exec(pathname);
  if (conversation?.[1]) return { name: 'conversation', id: decodeURIComponent(conversation[1]) };
  switch (pathname) {
    case '/search':
      return { name: 'search' };
    case '/directory':
      return { name: 'directory' };
    case '/new':
      return { name: 'new' };
    case '/sessions':
      return { name: 'sessions' };
    default:
      return { name: 'home' };
  }
}

export function routePath(route: Route): string {
  return route.name === 'conversation'
    ? `/c/${encodeURIComponent(route.id)}`
    : route.name === 'home'
      ? '/'
      : `/${route.name}`;
}

const listeners = new Set<() => void>();

export function navigate(route: Route): void {
  const path = routePath(route);
  if (window.location.pathname !== path) history.pushState(null, '', path);
  for (const listener of listeners) listener();
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.pathname));
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return route;
}
