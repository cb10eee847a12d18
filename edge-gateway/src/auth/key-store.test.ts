// Key lookup: right name and secret only; Bearer by secret.

import { describe, expect, it } from 'vitest';
import { KeyStore } from './key-store.js';

const store = new KeyStore([
  { name: 'admin', key: 'admin-secret-0123456789', role: 'admin', source: 'file' },
  { name: 'view', key: 'viewer-secret-0123456789', role: 'viewer', source: 'keyEnv' },
]);

describe('KeyStore', () => {
  it('verifies name + secret', () => {
    expect(store.verify('view', 'viewer-secret-0123456789')).toEqual({ name: 'view', role: 'viewer' });
    expect(store.verify('view', Buffer.from('viewer-secret-0123456789'))).toEqual({
      name: 'view',
      role: 'viewer',
    });
  });

  it('refuses a wrong secret, a secret under another name, an unknown name', () => {
    expect(store.verify('view', 'wrong-secret-0123456789')).toBeUndefined();
    expect(store.verify('admin', 'viewer-secret-0123456789')).toBeUndefined();
    expect(store.verify('nobody', 'viewer-secret-0123456789')).toBeUndefined();
    expect(store.verify('view', '')).toBeUndefined();
  });

  it('finds a Bearer key by its secret', () => {
    expect(store.bearer('admin-secret-0123456789')).toEqual({ name: 'admin', role: 'admin' });
    expect(store.bearer('nope')).toBeUndefined();
    expect(store.size).toBe(2);
  });
});
