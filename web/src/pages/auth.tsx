/** First-run owner setup and sign-in. */
import { useState, type FormEvent } from 'react';
import { api, errorMessage, type User } from '../api/client.ts';

export function AuthPage({ mode, onSignedIn }: { mode: 'setup' | 'login'; onSignedIn: (user: User) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const isSetup = mode === 'setup';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (isSetup && password.length < 8) {
      setError('Use at least 8 characters for the password.');
      return;
    }
    setBusy(true);
    try {
      const r = isSetup ? await api.auth.setup(email.trim(), password) : await api.auth.login(email.trim(), password);
      onSignedIn(r.user);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="auth" id="main">
      <form className="auth-card" onSubmit={(e) => void submit(e)} aria-labelledby="auth-title">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            ⇄
          </span>
          Switchyard
        </div>
        <h1 id="auth-title">{isSetup ? 'Create the owner account' : 'Sign in'}</h1>
        <p className="muted">
          {isSetup
            ? 'Welcome! This is a fresh install. The account you create now owns this Switchyard: workflows, credentials and API keys.'
            : 'Sign in to build and run your workflows.'}
        </p>
        <label className="field">
          <span className="field-label">Email</span>
          <input className="input" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        </label>
        <label className="field">
          <span className="field-label">Password</span>
          <input
            className="input"
            type="password"
            autoComplete={isSetup ? 'new-password' : 'current-password'}
            required
            minLength={isSetup ? 8 : undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          {isSetup && <span className="field-help">At least 8 characters.</span>}
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'One moment…' : isSetup ? 'Create account' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
