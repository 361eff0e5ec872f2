"""ledger_debit and ledger_finish: a kiosk's debits and a transaction's last writes in one call each (PostgreSQL)

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# The same steps as `LedgerTx.debit_many` on SQLite, in the same order, inside the database: one round trip
# instead of six. Item i's counter legs are the rows of p_leg_* whose p_leg_item is i (1-based).
# p_pks: the operations' rows when the caller stored them already (`debit_kiosk` inside `LedgerTx.run`),
# else NULL and the function stores them. Outcomes: 'posted', 'stored' (the id was there: the caller compares
# the hash), 'insufficient' (with the spendable). An id stored concurrently raises 40001: the caller's
# transaction starts again.
LEDGER_DEBIT = """
CREATE OR REPLACE FUNCTION ledger_debit(
    p_scope text, p_wallet bigint, p_credit bigint, p_now timestamptz,
    p_pks bigint[], p_ids text[], p_kinds text[], p_hashes text[],
    p_amounts bigint[], p_entry_kinds text[], p_memos text[],
    p_leg_item int[], p_leg_account bigint[], p_leg_amount bigint[]
) RETURNS TABLE (
    item int, outcome text, operation_pk bigint, entry_id bigint, from_wallet bigint, from_credit bigint,
    stored_hash text, stored_response text, spendable bigint, wallet_after bigint, credit_after bigint,
    credit_floor bigint
) LANGUAGE plpgsql AS $$
DECLARE
    w0 bigint; c0 bigint; c_floor bigint; w bigint; c bigint;
    n int := cardinality(p_amounts);
    amount bigint;
BEGIN
    -- The kiosk's rows first, in ascending id order (the lock order of every kiosk transaction).
    PERFORM 1 FROM account_balances WHERE account_id IN (p_wallet, p_credit) ORDER BY account_id FOR UPDATE;
    SELECT balance INTO w0 FROM account_balances WHERE account_id = p_wallet AND shard = 0;
    SELECT balance, coalesce(floor, 0) INTO c0, c_floor FROM account_balances WHERE account_id = p_credit AND shard = 0;
    w := w0; c := c0; credit_floor := c_floor;
    FOR i IN 1..n LOOP
        item := i; operation_pk := NULL; entry_id := NULL; from_wallet := NULL; from_credit := NULL;
        stored_hash := NULL; stored_response := NULL; spendable := NULL;
        IF p_pks IS NULL THEN
            -- After the lock: what a transaction of this kiosk committed before us is visible here.
            SELECT o.request_hash, o.response INTO stored_hash, stored_response
              FROM operations o WHERE o.scope = p_scope AND o.operation_id = p_ids[i];
            IF FOUND THEN
                outcome := 'stored'; wallet_after := w; credit_after := c;
                RETURN NEXT;
                CONTINUE;
            END IF;
        END IF;
        amount := p_amounts[i];
        IF amount > w + c - c_floor THEN
            outcome := 'insufficient'; spendable := w + c - c_floor; wallet_after := w; credit_after := c;
            RETURN NEXT;
            CONTINUE;
        END IF;
        from_wallet := least(greatest(w, 0), amount);
        from_credit := amount - from_wallet;
        w := w - from_wallet; c := c - from_credit;
        IF p_pks IS NULL THEN
            INSERT INTO operations (scope, operation_id, kind, request_hash, response, created_at)
            VALUES (p_scope, p_ids[i], p_kinds[i], p_hashes[i], '{}', p_now)
            ON CONFLICT (scope, operation_id) DO NOTHING RETURNING id INTO operation_pk;
            IF operation_pk IS NULL THEN
                RAISE EXCEPTION 'operation id % was stored concurrently', p_ids[i] USING ERRCODE = '40001';
            END IF;
        ELSE
            operation_pk := p_pks[i];
        END IF;
        IF amount > 0 THEN
            INSERT INTO journal_entries (operation_pk, kind, memo, created_at)
            VALUES (operation_pk, p_entry_kinds[i], p_memos[i], p_now) RETURNING id INTO entry_id;
            INSERT INTO journal_lines (entry_id, account_id, amount)
            SELECT entry_id, legs.account, sum(legs.amount) FROM (
                SELECT p_wallet AS account, -from_wallet AS amount
                UNION ALL SELECT p_credit, -from_credit
                UNION ALL SELECT a.account, a.amount
                  FROM unnest(p_leg_item, p_leg_account, p_leg_amount) AS a(item, account, amount)
                 WHERE a.item = i
            ) AS legs GROUP BY legs.account HAVING sum(legs.amount) <> 0 ORDER BY legs.account;
        END IF;
        outcome := 'posted'; wallet_after := w; credit_after := c;
        RETURN NEXT;
    END LOOP;
    -- The floor is the database's: a conditional UPDATE here, and the CHECK constraint behind it.
    IF w <> w0 THEN
        UPDATE account_balances SET balance = balance + (w - w0)
         WHERE account_id = p_wallet AND shard = 0 AND (floor IS NULL OR balance + (w - w0) >= floor);
        IF NOT FOUND THEN RAISE EXCEPTION 'wallet % would go below its floor', p_wallet USING ERRCODE = '23514'; END IF;
    END IF;
    IF c <> c0 THEN
        UPDATE account_balances SET balance = balance + (c - c0)
         WHERE account_id = p_credit AND shard = 0 AND (floor IS NULL OR balance + (c - c0) >= floor);
        IF NOT FOUND THEN RAISE EXCEPTION 'credit % would go below its floor', p_credit USING ERRCODE = '23514'; END IF;
    END IF;
END $$
"""

# A transaction's deferred writes just before commit: the operations' answers, then the shared accounts'
# summed deltas in the order given (ascending, so two transactions never wait for each other in a cycle).
LEDGER_FINISH = """
CREATE OR REPLACE FUNCTION ledger_finish(
    p_ops bigint[], p_responses text[], p_accounts bigint[], p_shards int[], p_amounts bigint[]
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- One row at a time by primary key: a join with unnest() may be planned as a scan of all operations.
    FOR i IN 1..coalesce(cardinality(p_ops), 0) LOOP
        UPDATE operations SET response = p_responses[i] WHERE id = p_ops[i];
    END LOOP;
    FOR i IN 1..coalesce(cardinality(p_accounts), 0) LOOP
        UPDATE account_balances SET balance = balance + p_amounts[i]
         WHERE account_id = p_accounts[i] AND shard = p_shards[i];
    END LOOP;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(LEDGER_DEBIT)
        op.execute(LEDGER_FINISH)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ledger_finish(bigint[], text[], bigint[], int[], bigint[])")
        op.execute(
            "DROP FUNCTION IF EXISTS ledger_debit(text, bigint, bigint, timestamptz, bigint[], text[], text[], "
            "text[], bigint[], text[], text[], int[], bigint[], bigint[])"
        )
