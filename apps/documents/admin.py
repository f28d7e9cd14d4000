# Family documents are not in the admin site: a child's letters are shared, read and withdrawn on the
# child's pages, which are scoped and audited (README, "Admin policy").
