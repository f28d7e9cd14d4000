# Tasks are not in the admin site: they name children and are worked in the app's worklists, which are
# scoped to the children each person may see (README, "Admin policy").
