"""The board meeting: slides for a room, and the packet and deck to hand out."""
