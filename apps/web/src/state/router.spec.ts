import { parseRoute, routePath } from './router';

describe('client routes', () => {
  it('round-trips every route through its path', () => {
    for (const path of ['/', '/c/abc%20d', '/search', '/directory', '/new', '/sessions']) {
      expect(routePath(parseRoute(path))).toBe(path);
    }
  });

  it('sends unknown paths home', () => {
    expect(parseRoute('/nowhere/else')).toEqual({ name: 'home' });
  });
});
