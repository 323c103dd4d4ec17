-- Serial lists (manifests) of lots, uploaded by their manufacturers. Confidential: no endpoint reads them back; the
-- service builds each list's Merkle tree in memory to prove scanned serials. A list is stored only when its Merkle root
-- equals the lot's on-chain serialsRoot, so a row's root is the lot's.
create table serial_lists (
  lot_id text primary key,
  root text not null,
  unit_count integer not null,
  serials text not null,
  uploaded_by text not null,
  uploaded_at timestamptz not null default now()
);
