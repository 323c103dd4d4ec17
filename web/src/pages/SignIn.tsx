import { useEffect, useState } from "preact/hooks";
import { me, signIn, signOut, type Account } from "../wallet";

/** The signed-in account (or the sign-in button), and the account to the page. */
export function useAccount(): [Account | undefined, preact.JSX.Element] {
  const [account, setAccount] = useState<Account | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    void me().then(setAccount);
  }, []);
  const box = account ? (
    <p class="account" role="status">
      Signed in as <strong>{account.role}</strong> <span class="addr">{account.address}</span>
      {account.standing.authorised ? "" : " (not authorised now)"}{" "}
      <button type="button" class="secondary" onClick={() => void signOut().then(() => setAccount(undefined))}>
        Sign out
      </button>
    </p>
  ) : (
    <div class="card">
      <p>Sign in with your Ethereum wallet: it signs a message (EIP-4361), no transaction and no fee.</p>
      <button
        type="button"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setError(undefined);
          signIn()
            .then(setAccount, (e: Error) => setError(`Sign-in failed: ${e.message}`))
            .finally(() => setBusy(false));
        }}
      >
        Sign in with Ethereum
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
  return [account, box];
}
