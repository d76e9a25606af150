"""Administrator activity days: how often each user logged in and changed something.

Kept apart from `marketplace.supervision` on purpose: the login code in
`marketplace.accounts` records here, and supervision reads accounts' roles, so the two
would import each other if this lived in supervision. Nothing here imports a domain
package: what comes in is a user id, what goes out is rows per (user, day).
"""
