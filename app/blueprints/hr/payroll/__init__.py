"""工资: the payroll rules of specs/payroll.md as pure functions (no database, no Flask).

``attendance`` turns a month of shifts, punches and leave into attendance facts,
``holidays`` says which days are statutory holidays (法定节假日), ``rules`` turns
one employee's month into every figure of a payslip.
"""
