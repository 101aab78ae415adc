SELECT $a$ never closed
