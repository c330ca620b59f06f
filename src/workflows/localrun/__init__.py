"""The product on one machine on embedded defaults (`workflows up`): the main job and its local mail sink."""
