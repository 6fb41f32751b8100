"""The set-based SQL of the demo's bulk observation insert, in three steps.

Random draws come from PostgreSQL's ``random()`` after ``setseed``, so the same seed
gives the same findings. ``bulk.py`` runs these statements in order.
"""

from __future__ import annotations

from auditdesk.data.expressions import RESOLVED_SQL, due_days_sql

# Step 1: families (an original and its chain of repeats) with their random draws.
FAMILIES_SQL = """
CREATE TEMP TABLE demo_family ON COMMIT DROP AS
SELECT f AS family,
       size,
       auditee,
       -- families with repeats start early enough to move to later engagements
       1 + floor(r_seq * greatest(1, started[auditee] - size + 1))::int AS root_seq,
       1 + floor(r_title * :n_titles)::int AS title_ix,
       1 + floor(r_process * 3)::int AS process_ix
FROM (
    SELECT f,
           CASE WHEN r_size < 0.100 THEN
                CASE WHEN r_len < 0.55 THEN 2 WHEN r_len < 0.80 THEN 3
                     WHEN r_len < 0.92 THEN 4 WHEN r_len < 0.97 THEN 5 ELSE 6 END
                ELSE 1 END AS size,
           1 + floor(r_auditee * :n_auditees)::int AS auditee,
           r_seq, r_title, r_process,
           CAST(:started AS int[]) AS started
    FROM (
        SELECT f, random() AS r_size, random() AS r_len, random() AS r_auditee,
               random() AS r_seq, random() AS r_title, random() AS r_process
        FROM generate_series(1, :families) AS f
    ) AS draws
) AS sized
"""

# Step 2: one row per finding, cut to exactly :count, with the per-finding draws.
MEMBERS_SQL = """
CREATE TEMP TABLE demo_member ON COMMIT DROP AS
SELECT m.family, m.k, m.auditee, m.root_seq, m.title_ix, m.process_ix,
       random() AS r_day, random() AS r_sev, random() AS r_draft, random() AS r_ext,
       random() AS r_ext_days, random() AS r_res, random() AS r_res_frac,
       random() AS r_state, random() AS r_hour, random() AS r_owner,
       1 + floor(random() * 2)::int AS criteria_ix,
       1 + floor(random() * 2)::int AS condition_ix,
       1 + floor(random() * 5)::int AS cause_ix,
       1 + floor(random() * 5)::int AS effect_ix,
       1 + floor(random() * 2)::int AS recommendation_ix,
       1 + floor(random() * 4)::int AS response_ix,
       25 + floor(random() * 40)::int AS sample_size,
       1 + floor(random() * 9)::int AS exceptions,
       (ARRAY[15, 30, 45, 60])[1 + floor(random() * 4)::int] AS days
FROM (
    SELECT fam.family, k, fam.auditee, fam.root_seq, fam.title_ix, fam.process_ix,
           fam.first_position + k AS position
    FROM (
        SELECT *, coalesce(sum(size) OVER (ORDER BY family
                              ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                  AS first_position
        FROM demo_family
    ) AS fam
    CROSS JOIN LATERAL generate_series(1, fam.size) AS k
    WHERE fam.first_position < :count
    ORDER BY fam.family, k
) AS m
WHERE m.position <= :count
"""

ENGAGEMENTS_SQL = """
CREATE TEMP TABLE demo_engagement (
    auditee int, seq int, id bigint, start_day date, window_end date, status text,
    PRIMARY KEY (auditee, seq)
) ON COMMIT DROP
"""

# Step 3: dates, statuses and texts; refs numbered in order of identification.
INSERT_SQL = f"""
INSERT INTO observation (
    tenant_id, id, ref, title, criteria, condition, cause, effect, recommendation,
    management_response, severity, status, owner_id, identified_on, due_date,
    original_due_date, closed_at, engagement_id, repeat_of_id, created_at, updated_at)
SELECT :tenant, :base + n,
       'OBS-' || CASE WHEN n < 1000000 THEN lpad(n::text, 6, '0') ELSE n::text END,
       format(titles[title_ix], process, system, auditee_name),
       format(criteria[2 * theme - 2 + criteria_ix], process, system, auditee_name, sample_size, exceptions, days),
       format(conditions[2 * theme - 2 + condition_ix], process, system, auditee_name, sample_size, exceptions, days),
       format(causes[cause_ix], process, system, auditee_name),
       format(effects[effect_ix], process, system, auditee_name),
       format(recommendations[2 * theme - 2 + recommendation_ix], process, system, auditee_name,
              sample_size, exceptions, days),
       CASE WHEN status = 'draft' THEN ''
            ELSE format(responses[response_ix], process, system, auditee_name) END,
       severity, status, owner_id, identified_on, due_date, original_due_date,
       CASE WHEN status IN {RESOLVED_SQL}
            THEN resolved_on + make_interval(mins => (480 + floor(r_hour * 600))::int)
       END,
       engagement_id,
       CASE WHEN k > 1 THEN :base + lag(n) OVER (PARTITION BY family ORDER BY k) END,
       identified_on + time '09:00' + make_interval(mins => (floor(r_hour * 480))::int),
       coalesce(resolved_on, identified_on) + time '09:00'
           + make_interval(mins => (floor(r_hour * 480))::int)
FROM (
    SELECT s.*,
           CASE WHEN status IN {RESOLVED_SQL} THEN resolve_candidate END
               AS resolved_on,
           row_number() OVER (ORDER BY identified_on, family, k) AS n
    FROM (
        SELECT d.*,
               CASE WHEN is_draft THEN 'draft'
                    WHEN resolve_candidate < :today THEN
                        CASE WHEN r_state < 0.05 THEN 'risk_accepted' ELSE 'closed' END
                    WHEN r_state < 0.40 THEN 'open'
                    WHEN r_state < 0.85 THEN 'in_remediation'
                    ELSE 'pending_validation' END AS status
        FROM (
            SELECT c.*,
                   original_due_date + extension AS due_date,
                   identified_on + CASE
                       WHEN r_res < 0.70 THEN ceil((due_days + extension) * (0.15 + 0.85 * r_res_frac))::int
                       WHEN r_res < 0.90 THEN due_days + extension + 1
                                              + floor(r_res_frac * (0.8 * due_days + 20))::int
                       ELSE 100000 END AS resolve_candidate
            FROM (
                SELECT b.*,
                       identified_on + due_days AS original_due_date,
                       CASE WHEN NOT is_draft AND r_ext < 0.12
                            THEN (ARRAY[30, 60, 90])[1 + floor(r_ext_days * 3)::int]
                            ELSE 0 END AS extension
                FROM (
                    SELECT a.*,
                           {due_days_sql("severity")} AS due_days
                    FROM (
                        SELECT m.family, m.k, m.title_ix, m.criteria_ix, m.condition_ix,
                               m.cause_ix, m.effect_ix, m.recommendation_ix, m.response_ix,
                               m.sample_size, m.exceptions, m.days,
                               m.r_ext, m.r_ext_days, m.r_res, m.r_res_frac, m.r_state, m.r_hour,
                               e.id AS engagement_id,
                               (CAST(:title_themes AS int[]))[m.title_ix] AS theme,
                               CASE WHEN m.r_sev < 0.05 THEN 'critical'
                                    WHEN m.r_sev < 0.25 THEN 'high'
                                    WHEN m.r_sev < 0.75 THEN 'medium'
                                    ELSE 'low' END AS severity,
                               e.status IN ('fieldwork', 'reporting') AND m.r_draft < 0.4
                                   AS is_draft,
                               -- strictly after the finding it repeats, where the
                               -- engagement's window leaves room
                               least(e.window_end,
                                     max(e.start_day - m.k
                                         + floor(m.r_day * (e.window_end - e.start_day + 1))::int)
                                         OVER (PARTITION BY m.family ORDER BY m.k) + m.k)
                                   AS identified_on,
                               (CAST(:owners AS bigint[]))[1 + floor(m.r_owner * :n_owners)::int]
                                   AS owner_id,
                               (CAST(:auditee_names AS text[]))[m.auditee] AS auditee_name,
                               (CAST(:systems AS text[]))[m.auditee] AS system,
                               (CAST(:processes AS text[]))[(m.auditee - 1) * 3 + m.process_ix]
                                   AS process
                        FROM demo_member AS m
                        JOIN demo_engagement AS e
                          ON e.auditee = m.auditee
                         AND e.seq = least(m.root_seq + m.k - 1,
                                           (CAST(:started AS int[]))[m.auditee])
                    ) AS a
                ) AS b
            ) AS c
        ) AS d
    ) AS s
) AS o,
LATERAL (SELECT CAST(:titles AS text[]) AS titles,
                CAST(:criteria AS text[]) AS criteria,
                CAST(:conditions AS text[]) AS conditions,
                CAST(:causes AS text[]) AS causes,
                CAST(:effects AS text[]) AS effects,
                CAST(:recommendations AS text[]) AS recommendations,
                CAST(:responses AS text[]) AS responses) AS t
ORDER BY n
"""
