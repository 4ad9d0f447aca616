-- The three default rules as one DuckDB statement: what an HR data engineer would write by hand
-- instead of running `hpr check`. Used only by `python -m hpr_rules.bench` as the yardstick.
--
-- It follows shared/spec/interventions.md (decision order, month-end clipping of add_months,
-- full_months, the deadline day on time). Every number is read from the rule files by the
-- benchmark: {rule.parameter} and {rule.effective_from} / {rule.valid_until} are filled in with
-- the values in force on the reference date {D}; {state_pension_date} is the AOW table as a
-- CASE over birth_date. A rule file whose formulas change needs this file changed too: the
-- benchmark compares its status counts with hpr's and says so when they differ.
-- Input rows are taken as valid (the synthetic population is); there is no validation here.

CREATE OR REPLACE MACRO add_months(d, n) AS CAST(d + to_months(CAST(n AS INTEGER)) AS DATE);
CREATE OR REPLACE MACRO full_months(a, b) AS
    CASE WHEN b < a THEN 0
         ELSE (year(b) - year(a)) * 12 + month(b) - month(a)
              - CASE WHEN add_months(a, (year(b) - year(a)) * 12 + month(b) - month(a)) > b THEN 1 ELSE 0 END
    END;

COPY (
WITH r AS (
    SELECT *, {state_pension_date} AS state_pension_date FROM read_parquet('{data}')
),
pop AS (
    SELECT *,
        greatest(
            CASE WHEN pop_date IS NOT NULL THEN add_months(pop_date, {mandatory_pop.update_months})
                 ELSE add_months(greatest(hire_date, {mandatory_pop.effective_from}), {mandatory_pop.first_pop_months}) END,
            add_months({mandatory_pop.effective_from}, {mandatory_pop.transition_months})) AS due
    FROM r
),
pop_step AS (
    SELECT employee_id, due, pop_date,
        CASE WHEN {D} < {mandatory_pop.effective_from} OR {D} > {mandatory_pop.valid_until} THEN 'not_in_force'
             WHEN hire_date > {D} OR employment_end_date < {D} THEN 'not_employed'
             WHEN NOT (salary_scale <= {mandatory_pop.max_salary_scale} AND physically_demanding) THEN 'out_of_scope'
             WHEN exemption_until >= {D} THEN 'dispensation'
             WHEN {D} - sick_leave_start >= {mandatory_pop.sick_leave_days} THEN 'long_term_sick'
             WHEN {D} > due THEN 'violation'
             WHEN {D} >= add_months(due, -{mandatory_pop.warn_months}) THEN 'due_soon'
             ELSE 'compliant' END AS step
    FROM pop
),
dev AS (
    SELECT *, full_months(greatest(add_months({D}, -12), hire_date, {development_obligation.effective_from}), {D}) AS months
    FROM r
),
dev_step AS (
    SELECT employee_id, months,
        {development_obligation.hours_per_year} * fte * months / 12 AS required,
        development_hours_12m AS actual,
        CASE WHEN {D} < {development_obligation.effective_from} OR {D} > {development_obligation.valid_until} THEN 'not_in_force'
             WHEN hire_date > {D} OR employment_end_date < {D} THEN 'not_employed'
             WHEN NOT (salary_scale <= {development_obligation.max_salary_scale} AND physically_demanding) THEN 'out_of_scope'
             WHEN exemption_until >= {D} THEN 'dispensation'
             WHEN {D} - sick_leave_start >= {development_obligation.sick_leave_days} THEN 'long_term_sick'
             WHEN state_pension_date <= add_months({D}, {development_obligation.near_retirement_months}) THEN 'near_retirement'
             WHEN development_hours_12m >= {development_obligation.hours_per_year} * fte * months / 12 THEN 'compliant'
             WHEN months < 12 THEN 'due_soon'
             ELSE 'violation' END AS step
    FROM dev
),
ten AS (
    SELECT *,
        greatest(add_months(function_start_date, 12 * {max_function_tenure.max_years}),
                 add_months({max_function_tenure.effective_from}, 12 * {max_function_tenure.transition_years})) AS due
    FROM r
),
ten_step AS (
    SELECT employee_id, due,
        CASE WHEN {D} < {max_function_tenure.effective_from} OR {D} > {max_function_tenure.valid_until} THEN 'not_in_force'
             WHEN hire_date > {D} OR employment_end_date < {D} THEN 'not_employed'
             WHEN NOT (salary_scale <= {max_function_tenure.max_salary_scale} AND physically_demanding) THEN 'out_of_scope'
             WHEN exemption_until >= {D} THEN 'dispensation'
             WHEN {D} - sick_leave_start >= {max_function_tenure.sick_leave_days} THEN 'long_term_sick'
             WHEN state_pension_date <= add_months({D}, {max_function_tenure.near_retirement_months}) THEN 'near_retirement'
             WHEN {D} > due THEN 'violation'
             WHEN {D} >= add_months(due, -{max_function_tenure.warn_months}) THEN 'due_soon'
             ELSE 'compliant' END AS step
    FROM ten
),
norm AS (  -- the status of each step; a reason only where the contract gives one
    SELECT * FROM (VALUES
        ('not_in_force', 'not_in_force', ''), ('not_employed', 'not_applicable', 'not_employed'),
        ('out_of_scope', 'not_applicable', 'out_of_scope'), ('dispensation', 'exempt', 'dispensation'),
        ('long_term_sick', 'exempt', 'long_term_sick'), ('near_retirement', 'exempt', 'near_retirement'),
        ('compliant', 'compliant', ''), ('due_soon', 'due_soon', ''), ('violation', 'violation', '')
    ) AS t(step, status, reason)
)
SELECT employee_id, 'development_obligation' AS rule_id, n.status, n.reason,
       CAST(NULL AS DATE) AS due_date, CAST(NULL AS BIGINT) AS days_overdue,
       CASE WHEN n.status IN ('compliant', 'due_soon', 'violation') THEN round(required, 2) END AS required_hours,
       CASE WHEN n.status IN ('compliant', 'due_soon', 'violation') THEN round(actual, 2) END AS actual_hours,
       CASE WHEN n.status IN ('compliant', 'due_soon', 'violation') AND actual < required THEN round(required - actual, 2) END
           AS shortfall_hours,
       {D} AS reference_date
FROM dev_step JOIN norm n USING (step)
UNION ALL
SELECT employee_id, 'mandatory_pop', n.status,
       CASE WHEN n.status IN ('compliant', 'due_soon', 'violation') AND pop_date IS NULL THEN 'no_pop' ELSE n.reason END,
       CASE WHEN n.status IN ('compliant', 'due_soon', 'violation') THEN due END,
       CASE WHEN n.status = 'violation' THEN {D} - due END, NULL, NULL, NULL, {D}
FROM pop_step JOIN norm n USING (step)
UNION ALL
SELECT employee_id, 'max_function_tenure', n.status, n.reason,
       CASE WHEN n.status IN ('compliant', 'due_soon', 'violation') THEN due END,
       CASE WHEN n.status = 'violation' THEN {D} - due END, NULL, NULL, NULL, {D}
FROM ten_step JOIN norm n USING (step)
) TO '{out}' (FORMAT parquet);
