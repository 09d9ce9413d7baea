// placeholder until the html module lands
