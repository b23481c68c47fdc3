// Serves the web client (apps/web, built into dist/apps/web) at `/`. Only GET and HEAD of
// paths outside the API reach it (the JMAP, auth, health and metrics routes keep precedence):
// a file of the build is sent as is, hashed assets cached for a year, and any other path that
// a browser navigates to (an HTML request without a file extension, e.g. /c/<id>) gets
// index.html, never cached, so client routes survive a reload.
import fs from 'node:fs';
import path from 'node:path';
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';

const API_PATHS = /^\/(?:jmap|auth|health|metrics|\.well-known)(?:\/|$)/;

/** What the page may load: itself, its API and WebSocket, and images it made into blob: URLs. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** The built client next to the gateway's own build: dist/apps/web. */
export function defaultWebClientDir(): string {
  return path.resolve(__dirname, '../../../web');
}

function pageHeaders(res: Response): void {
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
}

/**
 * The middleware, or null when `dir` holds no build (the gateway then serves the API alone).
 */
export function webClientMiddleware(dir: string): RequestHandler | null {
  const indexFile = path.join(dir, 'index.html');
  if (!fs.existsSync(indexFile)) return null;
  const files = express.static(dir, {
    index: false,
    redirect: false,
    fallthrough: true,
    setHeaders: (res, filePath) => {
      const relative = path.relative(dir, filePath);
      if (relative.startsWith(`assets${path.sep}`)) {
        res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        res.setHeader('X-Content-Type-Options', 'nosniff');
      } else {
        pageHeaders(res);
      }
    },
  });
  return (req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || API_PATHS.test(req.path)) return next();
    files(req, res, (error?: unknown) => {
      if (error) return next(error);
      const navigation =
        path.posix.extname(req.path) === '' && (req.get('accept') ?? '').includes('text/html');
      if (!navigation) return next();
      pageHeaders(res);
      res.sendFile(indexFile, (sendError) => {
        if (sendError && !res.headersSent) next(sendError);
      });
    });
  };
}
