-- PRs merged in [from, to) by people (bots left out), of one team or all (team = '').
merged_at >= {from:DateTime64(3, 'UTC')} AND merged_at < {to:DateTime64(3, 'UTC')} AND NOT author_bot AND ({team:String} = '' OR team = {team:String})
