"""The review stage: what observatories record beside the counts.

Homicide incident reviews on a YAML questionnaire (:mod:`~sereno.review.reviews`,
:mod:`~sereno.review.form`) and their tabulations (:mod:`~sereno.review.tabulate`), the group
audit (:mod:`~sereno.review.groups`), a working group's agreements
(:mod:`~sereno.review.agreements`), funded projects (:mod:`~sereno.review.projects`) and the
clerical review of linkage on screen (:mod:`~sereno.review.clerical`). Every read goes
through the records service's check and every write is a version with its audit entry.
"""
