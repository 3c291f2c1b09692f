"""Posting text as received -> the text the models read, with one offset map back."""
