"""payment_post: a kiosk's payments posted by one statement (PostgreSQL)

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# `server.payments.post` on PostgreSQL: the whole posting of a kiosk's payments in one call, sent as a
# statement of its own (autocommit), so one payment costs one round trip and one commit. The steps are
# those of `_post` on SQLite, in the same order:
#   1. an item with a bill that a committed payment of another operation holds is 'taken';
#   2. the rest go to `ledger_debit` (migration 0013) in one call: the kiosk's rows locked, the ids already
#      stored answered 'stored' (the caller compares the hash), 'insufficient' with the spendable, else posted;
#   3. a posted item's payment row is written with its id from the sequence and its receipt number, then its
#      bills; the operation's answer and the shared accounts' deltas go to `ledger_finish` (0013) at the end.
# p_items: a JSON array, one object per item, built by the caller:
#   {"operation_id", "kind", "hash", "amount", "entry_kind", "memo",
#    "legs": [[account, amount, shard], …], "live_keys": [key, …],
#    "payment": {column: value, …}, "bills": [{column: value, …}, …]}
# The rows' columns are the tables' own (jsonb_populate_record); this function adds the ids, the receipt
# number, the debit's facts and the times. A bill another transaction is writing meets the unique live key
# (23505) and a concurrently stored id raises 40001: either way the caller sends the whole call again.
PAYMENT_POST = """
CREATE OR REPLACE FUNCTION payment_post(
    p_kiosk_id bigint, p_scope text, p_wallet bigint, p_credit bigint, p_now timestamptz,
    p_receipt_prefix text, p_items jsonb
) RETURNS TABLE (
    item int, outcome text, payment_id bigint, stored_hash text, stored_response text, spendable bigint
) LANGUAGE plpgsql AS $$
DECLARE
    n int := jsonb_array_length(p_items);
    it jsonb;
    leg jsonb;
    todo int[] := '{}';
    key text;
    taken boolean;
    holder_kiosk bigint;
    holder_op text;
    ids text[] := '{}'; kinds text[] := '{}'; hashes text[] := '{}'; amounts bigint[] := '{}';
    entry_kinds text[] := '{}'; memos text[] := '{}';
    leg_item int[] := '{}'; leg_account bigint[] := '{}'; leg_amount bigint[] := '{}';
    ops bigint[] := '{}'; answers text[] := '{}';
    hot_account bigint[] := '{}'; hot_shard int[] := '{}'; hot_amount bigint[] := '{}';
    d record;
    i int;
    pid bigint;
    payments_seq regclass := pg_get_serial_sequence('payments', 'id')::regclass;
    bills_seq regclass := pg_get_serial_sequence('payment_bills', 'id')::regclass;
BEGIN
    FOR k IN 1..n LOOP
        it := p_items -> (k - 1);
        -- One key at a time: an equality on the unique index is looked up there whatever the table's
        -- statistics say (`= ANY(array)` in a cached plan can become a scan of every bill).
        taken := false;
        FOR key IN SELECT jsonb_array_elements_text(it -> 'live_keys') LOOP
            SELECT p.kiosk_id, p.operation_id INTO holder_kiosk, holder_op
              FROM payment_bills b JOIN payments p ON p.id = b.payment_id WHERE b.live_key = key;
            taken := FOUND AND (holder_kiosk, holder_op) IS DISTINCT FROM (p_kiosk_id, it ->> 'operation_id');
            EXIT WHEN taken;
        END LOOP;
        IF taken THEN
            item := k; outcome := 'taken'; payment_id := NULL; stored_hash := NULL; stored_response := NULL;
            spendable := NULL;
            RETURN NEXT;
            CONTINUE;
        END IF;
        todo := todo || k;
        ids := ids || (it ->> 'operation_id');
        kinds := kinds || (it ->> 'kind');
        hashes := hashes || (it ->> 'hash');
        amounts := amounts || (it ->> 'amount')::bigint;
        entry_kinds := entry_kinds || (it ->> 'entry_kind');
        memos := memos || (it ->> 'memo');
        FOR leg IN SELECT jsonb_array_elements(it -> 'legs') LOOP
            leg_item := leg_item || cardinality(todo);
            leg_account := leg_account || (leg ->> 0)::bigint;
            leg_amount := leg_amount || (leg ->> 1)::bigint;
        END LOOP;
    END LOOP;
    IF cardinality(todo) = 0 THEN
        RETURN;
    END IF;
    FOR d IN SELECT * FROM ledger_debit(
        p_scope, p_wallet, p_credit, p_now, NULL, ids, kinds, hashes, amounts, entry_kinds, memos,
        leg_item, leg_account, leg_amount
    ) LOOP
        i := todo[d.item];
        it := p_items -> (i - 1);
        item := i; outcome := d.outcome; payment_id := NULL; stored_hash := d.stored_hash;
        stored_response := d.stored_response; spendable := d.spendable;
        IF d.outcome = 'posted' THEN
            pid := nextval(payments_seq);
            -- Functions in FROM run once per row (in the select list, `(f(…)).*` would run f per column).
            INSERT INTO payments SELECT r.* FROM jsonb_populate_record(NULL::payments, (it -> 'payment') || jsonb_build_object(
                'id', pid, 'receipt_no', p_receipt_prefix || lpad(pid::text, 9, '0'),
                'operation_pk', d.operation_pk, 'debit_entry_id', d.entry_id,
                'from_wallet_paise', d.from_wallet, 'from_credit_paise', d.from_credit,
                'created_at', p_now, 'updated_at', p_now
            )) AS r;
            INSERT INTO payment_bills SELECT r.*
              FROM jsonb_array_elements(it -> 'bills') WITH ORDINALITY AS x(b, pos),
                   LATERAL jsonb_populate_record(
                       NULL::payment_bills, x.b || jsonb_build_object('id', nextval(bills_seq), 'payment_id', pid)
                   ) AS r
             ORDER BY x.pos;
            ops := ops || d.operation_pk;
            answers := answers || json_build_object('payment_id', pid)::text;
            FOR leg IN SELECT jsonb_array_elements(it -> 'legs') LOOP
                hot_account := hot_account || (leg ->> 0)::bigint;
                hot_shard := hot_shard || (leg ->> 2)::int;
                hot_amount := hot_amount || (leg ->> 1)::bigint;
            END LOOP;
            payment_id := pid;
        END IF;
        RETURN NEXT;
    END LOOP;
    -- The shared accounts' rows last, summed and in ascending order (as `LedgerTx.finish`).
    SELECT coalesce(array_agg(a ORDER BY a, s), '{}'), coalesce(array_agg(s ORDER BY a, s), '{}'),
           coalesce(array_agg(t ORDER BY a, s), '{}')
      INTO hot_account, hot_shard, hot_amount
      FROM (SELECT h.a, h.s, sum(h.t) AS t FROM unnest(hot_account, hot_shard, hot_amount) AS h(a, s, t)
             GROUP BY h.a, h.s HAVING sum(h.t) <> 0) AS summed;
    PERFORM ledger_finish(ops, answers, hot_account, hot_shard, hot_amount);
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PAYMENT_POST)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS payment_post(bigint, text, bigint, bigint, timestamptz, text, jsonb)")
