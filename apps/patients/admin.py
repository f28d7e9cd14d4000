# Children, guardians, care teams and invitations are not in the admin site: it does not go through
# visible_patients, so its lists, searches and history pages would show any child unaudited. They are
# managed on the child's pages in the app, which are scoped and audited (README, "Admin policy").
