"""Reports for the supervisor: movements, picker productivity, receiving discrepancies by supplier, short picks
and count variances, each filtered, paged by the database and exported as CSV. (Stock by location and lot, and
expiry, stay on the stock desk.)"""
