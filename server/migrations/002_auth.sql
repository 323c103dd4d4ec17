-- Sign-In with Ethereum (EIP-4361): nonces handed out and not yet used, and the sessions they opened. A session's
-- token is stored as its SHA-256 hash only.
create table auth_nonces (
  nonce text primary key,
  created_at timestamptz not null default now()
);
create table auth_sessions (
  token_hash text primary key,
  address text not null,
  chain_id text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index auth_sessions_address on auth_sessions (address);
